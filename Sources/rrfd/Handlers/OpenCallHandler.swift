import Foundation
import JobQueue
import Logging
import RRFStore

/// `call.open` → ``FundStore/openScheduledCall(_:as:)`` as the daemon's actor, at the time the secretariat
/// scheduled (`rrfctl call schedule-open`). A call that is no longer a draft is left alone.
struct OpenCallHandler: StoreJobHandler {
    static let jobKind = JobKinds.callOpen
    let services: RRFServices

    func perform(_ payload: CallJobPayload, store: FundStore, context: JobContext) throws {
        switch try store.openScheduledCall(payload.code, as: services.actor) {
        case .opened:
            context.logger.info("call opened at its scheduled time", metadata: ["call": "\(payload.code)"])
        case .notDraft(let state):
            context.logger.info("call not a draft; nothing to open", metadata: ["call": "\(payload.code)", "state": "\(state)"])
        }
    }
}
