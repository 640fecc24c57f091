import Foundation
import JobQueue
import Postgres

/// Handler of `notify` jobs: delivers one notification, then marks it sent in the transaction that completes
/// the job — so a committed "sent" is never delivered again. A crash after the sink accepted the message but
/// before that commit delivers it again on the retry (at-least-once at that edge): the file sink skips keys it
/// already wrote, webhooks carry an `Idempotency-Key` header, e-mail a `Message-ID` derived from the key.
///
/// Before delivering an e-mail or file message, the handler writes one webhook copy of it per
/// `NotificationSinks.webhookSubscribers` URL (see `copyToWebhookSubscribers`).
public struct NotifyHandler: TypedJobHandler {
    /// `notify`.
    public static let jobKind = Outbox.jobKind
    public let sinks: NotificationSinks

    public init(sinks: NotificationSinks) { self.sinks = sinks }

    public func run(_ job: ClaimedJob, context: JobContext) throws {
        let id = try job.decodePayload(of: Self.jobKind).notification
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
