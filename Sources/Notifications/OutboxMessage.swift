import Foundation

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
