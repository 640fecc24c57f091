import Foundation
import JobQueue
import RRFWorkflow

extension FundStore {
    /// Schedules the opening of a draft call (secretariat): the daemon opens it at `time` with a `call.open` job.
    /// Scheduling again adds another opening time; the earliest one that finds the call still a draft opens it.
    @discardableResult
    public func scheduleCallOpening(_ code: String, at time: Date, as login: String) throws -> CallRecord {
        try command("call.schedule_open", as: login) { context in
            let call = try loadCall(code, lock: .update, on: context.connection)
            try call.machine.scheduleOpening(at: time, code: call.code, by: context.actor)
            struct Scheduled: Encodable { let opensAt: Date }
            try context.audit(Streams.call(call.code), "call.opening_scheduled", Scheduled(opensAt: time))
            try context.enqueue(try NewJobs.make(
                JobKinds.callOpen, CallJobPayload(callID: call.id, code: call.code), runAt: time,
                uniqueKey: "call-open:\(call.code):\(Int64(time.timeIntervalSince1970))"
            ))
            return call
        }
    }

    /// What the daemon's `call.open` job found.
    public enum CallOpening: Sendable, Equatable {
        /// The call was a draft: it is open now.
        case opened
        /// The call is no longer a draft (opened by hand, or by an earlier schedule): nothing to do.
        case notDraft(state: String)
    }

    /// The daemon's handler of `call.open`: opens the call as `login` (secretariat) when it is still a draft.
    public func openScheduledCall(_ code: String, as login: String) throws -> CallOpening {
        let call = try self.call(code)
        guard call.stateName == .draft else { return .notDraft(state: call.state) }
        do {
            _ = try openCall(call.code, expectedVersion: call.version, as: login)
        } catch let error as StoreError where error.code == "changed_since_loaded" {
            return try openScheduledCall(code, as: login)
        }
        return .opened
    }
}
