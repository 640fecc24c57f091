import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

    public init(email: (any NotificationSink)? = nil, webhook: (any NotificationSink)? = nil, file: (any NotificationSink)? = nil) {
        self.email = email
        self.webhook = webhook
        self.file = file
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
}

/// Development sink: appends one JSON object per line to a file; a key already in the file is not written again.
public struct FileSink: NotificationSink {
    public let path: String

    public init(path: String) { self.path = path }

    struct Line: Codable { let key: String; let channel: String; let recipient: String; let subject: String; let body: String; let at: Date }

    public func deliver(_ message: OutboxMessage) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND, 0o640)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // Exclusive lock: workers (and processes) sharing the file check and append one at a time.
        guard flock(descriptor, LOCK_EX) == 0 else { throw CocoaError(.fileLocking, userInfo: [NSFilePathErrorKey: path]) }
        defer { flock(descriptor, LOCK_UN) }
        try handle.seek(toOffset: 0)
        let existing = try handle.readToEnd() ?? Data()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for line in existing.split(separator: UInt8(ascii: "\n")) {
            if let written = try? decoder.decode(Line.self, from: Data(line)), written.key == message.idempotencyKey { return }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(Line(key: message.idempotencyKey, channel: message.channel.rawValue, recipient: message.recipient,
                                           subject: message.subject, body: message.body, at: Date()))
        data.append(UInt8(ascii: "\n"))
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }
}

/// Hands an RFC 5322 message to a sendmail-compatible command on stdin (e.g. `/usr/sbin/sendmail -t -i`).
public struct SendmailSink: NotificationSink {
    public let command: [String]
    public let from: String
    /// How long the command may take before it is stopped and the delivery counts as failed.
    public let timeout: Duration

    public init(command: [String], from: String, timeout: Duration = .seconds(60)) {
        self.command = command
        self.from = from
        self.timeout = timeout
    }

    /// Header values lose line breaks, so a subject or recipient cannot add headers.
    static func headerValue(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    static func render(_ message: OutboxMessage, from: String) -> String {
        let digest = message.idempotencyKey.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return """
            From: \(headerValue(from))\r
            To: \(headerValue(message.recipient))\r
            Subject: \(headerValue(message.subject))\r
            Message-ID: <rrf-\(String(digest, radix: 16))@\(ProcessInfo.processInfo.hostName)>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(message.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n"))\r

            """
    }

    /// Runs the command with the rendered message as its stdin (a private temporary file, so a command that exits
    /// without reading never blocks or breaks a pipe) and waits for it, at most `timeout` (a hung mail command
    /// must not hold a worker); a non-zero exit or the timeout throws `NotificationError.commandFailed` with the
    /// end of the command's output, so the `notify` job is retried.
    public func deliver(_ message: OutboxMessage) throws {
        guard let executable = command.first else { throw NotificationError.noSink(.email) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rrf-sendmail-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("message.eml")
        let output = folder.appendingPathComponent("output.log")
        try Data(Self.render(message, from: from).utf8).write(to: input)
        let status = try Subprocess.run(
            executable, Array(command.dropFirst()), inputPath: input.path, outputPath: output.path, timeout: timeout
        )
        guard status == 0 else {
            let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw NotificationError.commandFailed(
                command: command.joined(separator: " "), status: status,
                output: String(printed.suffix(500)).trimmingCharacters(in: .whitespacesAndNewlines)
            )
        }
    }
}

/// POSTs a JSON document to the message's recipient URL, which must be one of `allowedURLs`.
public struct WebhookSink: NotificationSink {
    public let allowedURLs: Set<String>
    public let timeout: Duration

    public init(allowedURLs: [String], timeout: Duration = .seconds(10)) {
        self.allowedURLs = Set(allowedURLs)
        self.timeout = timeout
    }

    private final class Outcome: @unchecked Sendable {
        var result: Result<Int, any Error> = .success(0)
    }

    public func deliver(_ message: OutboxMessage) throws {
        guard allowedURLs.contains(message.recipient), let url = URL(string: message.recipient),
              url.scheme == "https" || url.scheme == "http" else { throw NotificationError.webhookNotAllowed(message.recipient) }
        var request = URLRequest(url: url, timeoutInterval: timeout.seconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(message.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        request.httpBody = try encoder.encode(message)
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request) { _, response, error in
            if let error { outcome.result = .failure(error) } else { outcome.result = .success((response as? HTTPURLResponse)?.statusCode ?? 0) }
            done.signal()
        }.resume()
        // Blocking is fine here: sinks run on a worker thread, never on the cooperative pool.
        done.wait()
        switch outcome.result {
        case .failure(let error):
            throw NotificationError.webhookFailed(url: message.recipient, reason: error.localizedDescription)
        case .success(let status) where !(200..<300).contains(status):
            throw NotificationError.webhookFailed(url: message.recipient, reason: "HTTP status \(status)")
        case .success:
            return
        }
    }
}
