import Foundation

/// A job to enqueue: what to run (`kind`, a handler name), with what (`payload`, JSON), where and when.
public struct NewJob: Sendable, Equatable {
    public var kind: String
    /// JSON text handed to the handler.
    public var payload: String
    public var queue: String
    /// Higher runs first among runnable jobs.
    public var priority: Int16
    /// Not before this time (`nil`: now).
    public var runAt: Date?
    /// After this many failed attempts the job is discarded.
    public var maxAttempts: Int
    /// While a job with this key is pending or running, enqueueing another with the same key does nothing.
    public var uniqueKey: String?

    /// A job whose payload is `payload` encoded as JSON (keys sorted, so equal payloads are equal text).
    public init(
        kind: String, payload: some Encodable, queue: String = "default", priority: Int16 = 0,
        runAt: Date? = nil, maxAttempts: Int = 20, uniqueKey: String? = nil
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        self.init(
            kind: kind, payloadJSON: String(decoding: try encoder.encode(payload), as: UTF8.self), queue: queue,
            priority: priority, runAt: runAt, maxAttempts: maxAttempts, uniqueKey: uniqueKey
        )
    }

    /// A job whose payload is already JSON text.
    public init(
        kind: String, payloadJSON: String = "{}", queue: String = "default", priority: Int16 = 0,
        runAt: Date? = nil, maxAttempts: Int = 20, uniqueKey: String? = nil
    ) {
        self.kind = kind
        self.payload = payloadJSON
        self.queue = queue
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
    }
}
