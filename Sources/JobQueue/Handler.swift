import Foundation
import Logging
import Postgres

/// A job a worker claimed: what to run and with what. `attempt` counts this run (1 for the first).
public struct ClaimedJob: Sendable, Equatable {
    public let id: Int64
    public let queue: String
    public let kind: String
    /// JSON text as enqueued.
    public let payload: String
    public let priority: Int16
    public let attempt: Int
    public let maxAttempts: Int
    public let runAt: Date
    public let createdAt: Date

    public init(id: Int64, queue: String, kind: String, payload: String, priority: Int16, attempt: Int, maxAttempts: Int, runAt: Date, createdAt: Date) {
        self.id = id
        self.queue = queue
        self.kind = kind
        self.payload = payload
        self.priority = priority
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.runAt = runAt
        self.createdAt = createdAt
    }

    /// The payload decoded from JSON (dates as ISO 8601, as `NewJob` encodes them).
    public func decodePayload<T: Decodable>(as type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(payload.utf8))
    }
}

/// Runs the jobs of one kind. `run` is called on a worker thread (never on Swift's cooperative pool) and may
/// block. Returning normally completes the job (in a batch, shortly after); throwing fails this attempt (retried
/// with backoff, discarded after `maxAttempts`). For exactly-once database effects, do the writes inside
/// `context.completeInTransaction { connection in … }`.
public protocol JobHandler: Sendable {
    var kind: String { get }
    func run(_ job: ClaimedJob, context: JobContext) throws
}

/// A handler made of a closure.
public struct ClosureJobHandler: JobHandler {
    public let kind: String
    private let body: @Sendable (ClaimedJob, JobContext) throws -> Void

    public init(kind: String, _ body: @escaping @Sendable (ClaimedJob, JobContext) throws -> Void) {
        self.kind = kind
        self.body = body
    }

    public func run(_ job: ClaimedJob, context: JobContext) throws { try body(job, context) }
}

/// The handlers of a worker pool, by kind.
public struct JobRegistry: Sendable {
    private var handlers: [String: any JobHandler] = [:]

    public init() {}

    public init(_ handlers: [any JobHandler]) {
        handlers.forEach { register($0) }
    }

    /// Adds `handler`; a later registration of the same kind replaces an earlier one.
    public mutating func register(_ handler: any JobHandler) {
        handlers[handler.kind] = handler
    }

    /// Adds a closure as the handler of `kind`.
    public mutating func register(kind: String, _ body: @escaping @Sendable (ClaimedJob, JobContext) throws -> Void) {
        register(ClosureJobHandler(kind: kind, body))
    }

    public func handler(for kind: String) -> (any JobHandler)? { handlers[kind] }

    public var kinds: [String] { handlers.keys.sorted() }
}

/// Errors of the job queue itself.
public enum JobQueueError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No handler is registered for the job's kind (the job is retried and eventually discarded).
    case unknownKind(String)
    /// The handler observed a cancellation request (`JobContext.checkCancellation()`); the job ends cancelled.
    case cancelled(jobID: Int64)
    /// The job is no longer running on this worker (it was rescued after a missed heartbeat, or cancelled and
    /// finished elsewhere); the handler's transaction was rolled back.
    case jobLost(jobID: Int64)
    /// A configuration value is unusable.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unknownKind(let kind): "no handler is registered for job kind '\(kind)'"
        case .cancelled(let id): "job \(id) was cancelled"
        case .jobLost(let id): "job \(id) is no longer owned by this worker (rescued or finished elsewhere)"
        case .invalidConfiguration(let text): "invalid job queue configuration: \(text)"
        }
    }
}

/// What a handler gets besides its job: the worker's own connection (not in a transaction when `run` starts),
/// a logger, cancellation, and completion in the handler's own transaction.
public final class JobContext: @unchecked Sendable {
    public let job: ClaimedJob
    /// The worker thread's connection; use it only from inside `run`, never from another thread.
    public let connection: Connection
    public let logger: Logger
    let workerID: UUID
    /// Set once `completeInTransaction` committed; then the worker does not complete the job again.
    private(set) var completed = false

    init(job: ClaimedJob, connection: Connection, logger: Logger, workerID: UUID) {
        self.job = job
        self.connection = connection
        self.logger = logger
        self.workerID = workerID
    }

    /// Asks the database whether someone requested cancellation of this job (`rrfctl jobs cancel`).
    public func isCancellationRequested() throws -> Bool {
        let rows = try connection.queryPrepared("SELECT cancel_requested FROM jobs WHERE id = $1", [job.id])
        return try rows.first?.decode("cancel_requested", as: Bool.self) ?? true
    }

    /// Throws `JobQueueError.cancelled` when cancellation was requested; the job then ends `cancelled`.
    /// Call it between steps of long handlers.
    public func checkCancellation() throws {
        if try isCancellationRequested() { throw JobQueueError.cancelled(jobID: job.id) }
    }

    /// Runs `body` in a transaction on the worker's connection and marks the job succeeded in that same
    /// transaction: the handler's writes and the completion commit together or not at all (exactly-once for
    /// database effects). Throws `JobQueueError.jobLost` — and rolls `body`'s writes back — when the job is no
    /// longer running on this worker. `body` may be re-run on a serialization failure, so it must not have
    /// effects outside the database.
    @discardableResult
    public func completeInTransaction<T>(
        _ isolation: IsolationLevel = .readCommitted, _ body: (Connection) throws -> T
    ) throws -> T {
        precondition(!completed, "job \(job.id) was already completed")
        let value = try connection.withTransaction(isolation) { connection in
            let value = try body(connection)
            try JobSQL.markSucceeded([job.id], workerID: workerID, on: connection, requireAll: true)
            return value
        }
        completed = true
        return value
    }
}
