import Foundation
import Postgres

/// A message in the outbox (`notifications`), delivered by a `notify` job.
public struct OutboxMessage: Sendable, Codable, Equatable {
    public enum Channel: String, Sendable, Codable, CaseIterable { case email, webhook, file }

    /// Same key, same message: enqueueing it again does nothing, and sinks use it to avoid duplicates.
    public var idempotencyKey: String
    /// An e-mail address, or the URL for webhooks.
    public var recipient: String
    public var subject: String
    public var body: String
    public var channel: Channel

    public init(idempotencyKey: String, recipient: String, subject: String, body: String, channel: Channel = .email) {
        self.idempotencyKey = idempotencyKey
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.channel = channel
    }
}

/// Where messages of one channel go.
public protocol NotificationSink: Sendable {
    /// Delivers `message` or throws (the job is retried). Blocking is fine: it runs on a worker thread.
    func deliver(_ message: OutboxMessage) throws
}

public enum NotificationError: Error, CustomStringConvertible, Sendable, Equatable {
    case noSink(OutboxMessage.Channel)
    case webhookNotAllowed(String)
    case webhookFailed(url: String, reason: String)
    /// The mail command exited with a non-zero `status`; `output` is the end of what it printed.
    case commandFailed(command: String, status: Int32, output: String)
    case missingNotification(Int64)

    public var description: String {
        switch self {
        case .noSink(let channel): "no sink is configured for \(channel.rawValue) notifications"
        case .webhookNotAllowed(let url): "the webhook URL \(url) is not in the configured list of allowed URLs"
        case .webhookFailed(let url, let reason): "the webhook \(url) failed: \(reason)"
        case .commandFailed(let command, let status, let output):
            "the mail command \(command) exited with status \(status)\(output.isEmpty ? "" : ": \(output)")"
        case .missingNotification(let id): "notification \(id) does not exist"
        }
    }
}

/// The notification outbox: write a message in the caller's transaction, deliver it with a `notify` job.
public enum Outbox {
    public static let jobKind = "notify"

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
            try Jobs.enqueue(NewJob(kind: jobKind, payloadJSON: #"{"notification":\#(id)}"#, queue: queue,
                                    maxAttempts: maxAttempts, uniqueKey: "notify:\(id)"), on: connection)
            return id
        }
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

/// Handler of `notify` jobs: delivers one notification, then marks it sent in the transaction that completes
/// the job — so a committed "sent" is never delivered again. A crash after the sink accepted the message but
/// before that commit delivers it again on the retry (at-least-once at that edge): the file sink skips keys it
/// already wrote, webhooks carry an `Idempotency-Key` header, e-mail a `Message-ID` derived from the key.
///
/// Before delivering an e-mail or file message, the handler writes one webhook copy of it per
/// `NotificationSinks.webhookSubscribers` URL (see `copyToWebhookSubscribers`).
public struct NotifyHandler: JobHandler {
    public let kind = Outbox.jobKind
    public let sinks: NotificationSinks

    public init(sinks: NotificationSinks) { self.sinks = sinks }

    struct Payload: Decodable { let notification: Int64 }

    public func run(_ job: ClaimedJob, context: JobContext) throws {
        let id = try job.decodePayload(as: Payload.self).notification
        guard let row = try context.connection.queryPrepared(
            """
            SELECT idempotency_key, recipient, subject, body, channel::text AS channel, state::text AS state
            FROM notifications WHERE id = $1
            """, [id]
        ).first else { throw NotificationError.missingNotification(id) }
        guard try row.decode("state", as: String.self) != "sent" else {
            try context.completeInTransaction { _ in }
            return
        }
        let message = OutboxMessage(
            idempotencyKey: try row.decode("idempotency_key"), recipient: try row.decode("recipient"),
            subject: try row.decode("subject"), body: try row.decode("body"),
            channel: OutboxMessage.Channel(rawValue: try row.decode("channel")) ?? .email
        )
        try copyToWebhookSubscribers(message, of: job, on: context.connection)
        do {
            guard let sink = sinks.sink(for: message.channel) else { throw NotificationError.noSink(message.channel) }
            try sink.deliver(message)
        } catch {
            try context.connection.queryPrepared(
                "UPDATE notifications SET attempts = attempts + 1, last_error = $2, state = CASE WHEN $3 THEN 'failed'::notification_state ELSE state END WHERE id = $1",
                [id, String(describing: error), job.attempt >= job.maxAttempts]
            )
            throw error
        }
        try context.completeInTransaction { connection in
            try connection.queryPrepared(
                "UPDATE notifications SET state = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1",
                [id]
            )
        }
    }

    /// Adds to the outbox, in one transaction, a webhook message per subscriber URL with `message`'s subject and
    /// body, keyed `<message's key>|webhook|<URL>`, each with its own `notify` job (so a subscriber that is down
    /// delays no other). Written before `message` itself is delivered and idempotent by key: a failing mail
    /// command holds no webhook back, and a retry adds nothing. Webhook messages are not copied again.
    func copyToWebhookSubscribers(_ message: OutboxMessage, of job: ClaimedJob, on connection: Connection) throws {
        guard message.channel != .webhook, !sinks.webhookSubscribers.isEmpty else { return }
        try connection.withTransaction { connection in
            for url in sinks.webhookSubscribers {
                let copy = OutboxMessage(idempotencyKey: "\(message.idempotencyKey)|webhook|\(url)", recipient: url,
                                         subject: message.subject, body: message.body, channel: .webhook)
                try Outbox.enqueue(copy, queue: job.queue, maxAttempts: job.maxAttempts, on: connection)
            }
        }
    }
}
