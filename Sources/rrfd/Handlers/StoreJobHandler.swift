import JobQueue
import Logging
import RRFStore

/// What the RRF handlers share: the fund's store (its own connection pool) and the login the daemon acts as for
/// the commands that need a user (`RRFD_ACTOR`, default `rrfd`; it needs the secretariat role).
struct RRFServices: Sendable {
    let store: FundStore
    let actor: String
}

/// A job handler of one typed kind (``TypedJobHandler``): it decodes the kind's payload and calls the store.
///
/// Exactly once for database effects: `perform` gets the store bound to the worker's connection inside
/// `JobContext.completeInTransaction`, so everything the commands write (state, audit events, outbox messages,
/// follow-up jobs) commits in the same transaction as the job's completion, or not at all; a daemon killed
/// at any moment leaves either both or neither, and the job's rerun starts from a clean slate.
///
/// Failures: a refusal that can never succeed (`StoreError` of kind `.rejected` or `.notFound`, or a payload that
/// does not decode) completes the job — it is not retried — and is logged at error level and written to the
/// notification outbox for the secretariat (event `job.refused`). A missing or unknown actor, a conflict, or a
/// database problem fails the attempt, which the queue retries with backoff.
protocol StoreJobHandler: TypedJobHandler {
    var services: RRFServices { get }
    /// Runs the job with `store` bound to the job's completing transaction.
    func perform(_ payload: Payload, store: FundStore, context: JobContext) throws
}

extension StoreJobHandler {
    func run(_ job: ClaimedJob, context: JobContext) throws {
        let payload: Payload
        do {
            payload = try job.decodePayload(of: Self.jobKind)
        } catch {
            return try refusedForGood(job, context: context, code: "payload_invalid", reason: "its payload \(job.payload) cannot be read: \(error)")
        }
        do {
            try context.completeInTransaction { connection in
                try perform(payload, store: services.store.within(connection), context: context)
            }
        } catch let error as StoreError {
            switch error.kind {
            case .rejected, .notFound:
                try refusedForGood(job, context: context, code: error.code, reason: error.message)
            case .forbidden where ["unknown_actor", "actor_missing", "role_required"].contains(error.code):
                context.logger.error("the daemon's actor cannot run this job; it will be retried", metadata: [
                    "kind": "\(job.kind)", "job": "\(job.id)", "actor": "\(services.actor)", "code": "\(error.code)",
                    "fix": "create the user '\(services.actor)' with the secretariat role, or set RRFD_ACTOR / --actor / actor:",
                ])
                throw error
            case .forbidden, .unauthenticated, .conflict, .configuration, .internal:
                throw error
            }
        }
    }

    /// Completes a job the fund's rules refuse for good (its own writes rolled back): logs it and tells the
    /// secretariat through the outbox, in the transaction that completes the job.
    private func refusedForGood(_ job: ClaimedJob, context: JobContext, code: String, reason: String) throws {
        context.logger.error("job refused for good; completing it without retry and telling the secretariat", metadata: [
            "kind": "\(job.kind)", "job": "\(job.id)", "code": "\(code)", "reason": "\(reason)",
        ])
        try context.completeInTransaction { connection in
            try services.store.within(connection).notify(NotifyPayload(
                event: "job.refused", stream: "job:\(job.kind)", organisationID: nil, roles: ["secretariat"],
                message: "The background job \(job.kind) #\(job.id) (\(job.payload)) was refused and will not be retried: \(reason) [\(code)]"
            ))
        }
    }
}
