import Foundation
import JobQueue
import Postgres

/// The notification outbox: write a message in the caller's transaction, deliver it with a `notify` job.
public enum Outbox {
    /// Delivers one message of the outbox.
    public static let jobKind = JobKind<NotifyJobPayload>("notify")

    /// Adds `message` and its delivery job in the caller's transaction. Returns the notification id, or nil when a
    /// message with the same idempotency key exists already.
    @discardableResult
    public static func enqueue(_ message: OutboxMessage, queue: String = "default", maxAttempts: Int = 10, on connection: Connection) throws -> Int64? {
        try connection.withTransaction { connection in
            guard let row = try connection.queryPrepared(
                """
                INSERT INTO notifications (idempotency_key, recipient, subject, body, channel)
                VALUES ($1, $2, $3, $4, $5::notification_channel)
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
                """,
                [message.idempotencyKey, message.recipient, message.subject, message.body, message.channel.rawValue]
            ).first else { return nil }
            let id: Int64 = try row.decode("id")
            try Jobs.enqueue(try NewJob(jobKind, NotifyJobPayload(notification: id), queue: queue,
                                        maxAttempts: maxAttempts, uniqueKey: "notify:\(id)"), on: connection)
            return id
        }
    }
}

/// The payload of a `notify` job: the outbox row to deliver.
public struct NotifyJobPayload: Codable, Sendable, Equatable {
    /// The id of the message in `notifications`.
    public let notification: Int64

    /// The payload naming the message `notification`.
    public init(notification: Int64) {
        self.notification = notification
    }
}

/// The sinks per channel. `email` is typically `SendmailSink`, or a `FileSink` in development.
public struct NotificationSinks: Sendable {
    public var email: (any NotificationSink)?
    public var webhook: (any NotificationSink)?
    public var file: (any NotificationSink)?
    /// URLs that receive every e-mail and file notification as well: `NotifyHandler` gives each its own webhook
    /// copy in the outbox, delivered by `webhook` (which must allow these URLs).
    public var webhookSubscribers: [String]

    public init(
        email: (any NotificationSink)? = nil, webhook: (any NotificationSink)? = nil, file: (any NotificationSink)? = nil,
        webhookSubscribers: [String] = []
    ) {
        self.email = email
        self.webhook = webhook
        self.file = file
        self.webhookSubscribers = webhookSubscribers
    }

    func sink(for channel: OutboxMessage.Channel) -> (any NotificationSink)? {
        switch channel {
        case .email: email
        case .webhook: webhook
        case .file: file
        }
    }
}
