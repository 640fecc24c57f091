import Foundation
import JobQueue
import Logging
import RRFStore

/// `call.close` → ``FundStore/closeCallAtDeadline(_:as:)`` as the daemon's actor, at the submission deadline.
/// A call already closed (early, by the secretariat) or further on is left alone; a job that runs before the
/// deadline fails its attempt so the queue retries it later.
struct CloseCallHandler: StoreJobHandler {
    static let jobKind = JobKinds.callClose
    let services: RRFServices

    struct NotYet: Error, CustomStringConvertible {
        let description: String
    }

    func perform(_ payload: CallJobPayload, store: FundStore, context: JobContext) throws {
        switch try store.closeCallAtDeadline(payload.code, as: services.actor) {
        case .closed:
            context.logger.info("call closed at its deadline", metadata: ["call": "\(payload.code)"])
        case .notOpen(let state):
            context.logger.info("call not open; nothing to close", metadata: ["call": "\(payload.code)", "state": "\(state)"])
        case .notYet(let deadline):
            throw NotYet(description: "the call \(payload.code) closes at \(deadline), not yet")
        }
    }
}
