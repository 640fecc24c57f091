import Crypto
import Foundation
import JobQueue
import Notifications
import Postgres
import RRFTestSupport
import Testing

/// The text of RFC 2047 encoded-words (`=?UTF-8?B?…?=`) in a header value, decoded and concatenated (the spaces
/// between adjacent words are not part of the text); nil when something else is in the value.
private func decodeEncodedWords(_ value: String) -> String? {
    var bytes = Data()
    for word in value.split(separator: " ") {
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
              let decoded = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else { return nil }
        bytes += decoded
    }
    return String(data: bytes, encoding: .utf8)
}

/// Verifies `RRF-Signature: t=…,v1=…` as a receiver would: HMAC-SHA256 of "t.body", timestamp within 5 minutes.
private func signatureIsValid(_ header: String?, body: Data, secret: String) -> Bool {
    var fields: [String: String] = [:]
    for part in (header ?? "").split(separator: ",") {
        let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
        if pair.count == 2 { fields[pair[0]] = pair[1] }
    }
    guard let t = fields["t"], let timestamp = Int(t), let v1 = fields["v1"],
          abs(Date().timeIntervalSince1970 - Double(timestamp)) < 300 else { return false }
    let expected = HMAC<SHA256>.authenticationCode(for: Data("\(t).".utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
    return expected.map { String(format: "%02x", $0) }.joined() == v1
}

@Suite struct NotificationDeliveryTests {
    /// Non-ASCII subjects and display names travel as UTF-8 encoded-words on ASCII lines of at most 76 characters;
    /// the mail reader decodes them back to the original text.
    @Test(arguments: [
        "Rapport intérimaire en retard — Équipe santé de l’ONG « Alpha », subvention RRF-2026-0001",
        "تقرير مرحلي متأخر: يرجى تقديم التقرير المالي والسردي للمنحة RRF-2026-0001 قبل نهاية الأسبوع",
    ])
    func mailHeadersAreEncodedPerRFC2047(_ subject: String) throws {
        try withScratchFolder { folder in
            let script = folder.appendingPathComponent("sendmail").path
            try "#!/bin/sh\ncat > '\(folder.path)/message'\n".write(toFile: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
            let from = "Fonds RRF — Équipe des subventions <rrf@fund.example>"
            try SendmailSink(command: [script], from: from).deliver(
                OutboxMessage(idempotencyKey: "k", recipient: "nadia@ngo-alpha.example", subject: subject, body: "Corps du message.")
            )
            let message = try String(contentsOf: folder.appendingPathComponent("message"), encoding: .utf8)
            let head = try #require(message.components(separatedBy: "\r\n\r\n").first)
            let lines = head.components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.count <= 76 && $0.unicodeScalars.allSatisfy(\.isASCII) }, "\(lines)")
            // Unfold: a line starting with a space continues the previous field.
            var fields: [String: String] = [:]
            var current = ""
            for line in lines {
                if line.hasPrefix(" "), !current.isEmpty { fields[current, default: ""] += line } else if let colon = line.firstIndex(of: ":") {
                    current = String(line[..<colon])
                    fields[current] = String(line[line.index(colon, offsetBy: 2)...])
                }
            }
            #expect(try decodeEncodedWords(#require(fields["Subject"])) == subject)
            let sender = try #require(fields["From"])
            #expect(sender.hasSuffix(" <rrf@fund.example>"))
            #expect(decodeEncodedWords(String(sender.dropLast(" <rrf@fund.example>".count))) == "Fonds RRF — Équipe des subventions")
            #expect(fields["To"] == "nadia@ngo-alpha.example")
            #expect(lines.filter { $0.hasPrefix(" ") }.count >= 1)  // long enough to be folded
        }
    }

    /// Each configured webhook URL receives each e-mail notification as its own outbox message, POSTed signed; a
    /// subscriber that fails is retried on its own without holding back the e-mail or the other subscriber.
    @Test func everyNotificationReachesEachWebhookSubscriberSigned() throws {
        let accepting = try LocalHTTPServer(status: 200)
        defer { accepting.stop() }
        let failing = try LocalHTTPServer(status: 500)
        defer { failing.stop() }
        try withTestDatabase { database in
            let path = try database.scratchFile("mail.jsonl").path
            let connection = try database.connect()
            let urls = [accepting.url("/hooks/rrf"), failing.url("/hooks/rrf")]
            let secret = try #require(WebhookSecret("whsec-subscribers"))
            let sinks = NotificationSinks(email: FileSink(path: path), webhook: WebhookSink(allowedURLs: urls, secret: secret),
                                          webhookSubscribers: urls)
            let pool = WorkerPool(configuration: poolConfiguration(database), registry: JobRegistry([NotifyHandler(sinks: sinks)]))
            try pool.register(on: connection)
            let original = OutboxMessage(idempotencyKey: "grant:RRF-2026-0001|report.overdue|1|nadia", recipient: "nadia@ngo-alpha.example",
                                         subject: "[RRF] report overdue", body: "The interim report 1 is late.")
            let id = try #require(try Outbox.enqueue(original, on: connection))
            #expect(try pool.runBatch(on: connection) == 1)  // the e-mail; the two copies are queued
            #expect(try pool.runBatch(on: connection) == 2)  // the copies

            let request = try #require(accepting.requests.first)
            #expect(accepting.requests.count == 1)
            #expect(failing.requests.count == 1)
            #expect(signatureIsValid(request.headers["rrf-signature"], body: request.body, secret: "whsec-subscribers"))
            #expect(!signatureIsValid(request.headers["rrf-signature"], body: request.body, secret: "another secret"))
            #expect(!signatureIsValid(request.headers["rrf-signature"], body: request.body + Data(" ".utf8), secret: "whsec-subscribers"))
            let posted = try JSONDecoder().decode(OutboxMessage.self, from: request.body)
            #expect(posted == OutboxMessage(idempotencyKey: "\(original.idempotencyKey)|webhook|\(urls[0])", recipient: urls[0],
                                            subject: original.subject, body: original.body, channel: .webhook))
            #expect(request.headers["idempotency-key"] == posted.idempotencyKey)

            let states = try connection.query("SELECT recipient, state::text AS state FROM notifications ORDER BY id").rows
                .map { "\(try $0.decode("recipient", as: String.self))=\(try $0.decode("state", as: String.self))" }
            #expect(states == ["nadia@ngo-alpha.example=sent", "\(urls[0])=sent", "\(urls[1])=pending"])
            // Delivering the original again copies nothing again.
            try Jobs.enqueue(NewJob(kind: "notify", payloadJSON: #"{"notification":\#(id)}"#), on: connection)
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(try scalar("SELECT count(*) FROM notifications", on: connection, as: Int64.self) == 3)
        }
    }

    /// The secret never shows in text made of the sink or the secret.
    @Test func theWebhookSecretIsRedacted() throws {
        let secret = try #require(WebhookSecret("whsec-do-not-print"))
        let sink = WebhookSink(allowedURLs: ["https://hooks.example/rrf"], secret: secret)
        for text in ["\(sink)", String(reflecting: sink), "\(secret)", String(reflecting: secret), "\(Optional(secret) as Any)"] {
            #expect(!text.contains("whsec-do-not-print"), "\(text)")
        }
        #expect(WebhookSecret("") == nil)
    }

    /// Sinks sharing the file (as processes would) skip each other's keys, reading only what was appended since
    /// they last looked; a truncated file is read again; a torn last line is ended before the next one.
    @Test func theFileSinkReadsOnlyWhatWasAppended() throws {
        try withScratchFolder { folder in
            let path = folder.appendingPathComponent("file-sink.jsonl").path
            func message(_ key: String) -> OutboxMessage { OutboxMessage(idempotencyKey: key, recipient: "r@example.org", subject: "S", body: "B", channel: .file) }
            func keys() throws -> [String] {
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
                    (try? JSONDecoder().decode([String: String].self, from: Data(line.utf8)))?["key"] ?? "?"
                }
            }
            let first = FileSink(path: path), second = FileSink(path: path)
            try first.deliver(message("k1"))
            try second.deliver(message("k1"))
            try second.deliver(message("k2"))
            try first.deliver(message("k2"))
            try first.deliver(message("k1"))
            #expect(try keys() == ["k1", "k2"])

            // Bytes already read are not read again: the first sink still knows k1 after it was rewritten in place.
            let rewritten = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: #""key":"k1""#, with: #""key":"z1""#)
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.write(contentsOf: Data(rewritten.utf8))
            try handle.close()
            try first.deliver(message("k1"))
            #expect(try keys() == ["z1", "k2"])
            try FileSink(path: path).deliver(message("z1"))  // a new sink reads the whole file
            #expect(try keys() == ["z1", "k2"])

            // A torn line (a writer that died mid-line) stays apart from the next line.
            let append = try #require(FileHandle(forWritingAtPath: path))
            try append.seekToEnd()
            try append.write(contentsOf: Data(#"{"key":"torn"#.utf8))
            try append.close()
            try first.deliver(message("k3"))
            #expect(try keys() == ["z1", "k2", "?", "k3"])

            // Truncated: read again from the start, so k1 is written again.
            try Data().write(to: URL(fileURLWithPath: path))
            try first.deliver(message("k2"))
            #expect(try keys() == ["k2"])
        }
    }
}
