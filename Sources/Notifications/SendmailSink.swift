import Foundation
import Postgres

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

    /// The message as handed to the command: headers per `MailHeader` (line breaks removed, non-ASCII text as
    /// RFC 2047 encoded-words), CRLF line ends, the body as UTF-8 after a blank line.
    static func render(_ message: OutboxMessage, from: String) -> String {
        let digest = message.idempotencyKey.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return """
            \(MailHeader.mailboxField("From", from))\r
            \(MailHeader.mailboxField("To", message.recipient))\r
            \(MailHeader.field("Subject", message.subject))\r
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
