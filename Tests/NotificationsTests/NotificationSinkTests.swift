import Foundation
import JobQueue
import Notifications
import Postgres
import RRFTestSupport
import Testing

/// A folder with sendmail-compatible scripts: `ok` writes its arguments and stdin to files there, `failing`
/// reads its stdin, complains on stderr and exits 75 (EX_TEMPFAIL).
private struct FakeSendmail {
    let folder: URL

    /// The scripts, written into `folder` (a scratch folder of the test's own).
    init(in folder: URL) throws {
        self.folder = folder
        try script("ok", """
            printf '%s\\n' "$@" > '\(arguments.path)'
            cat > '\(message.path)'
            """)
        try script("failing", """
            cat > /dev/null
            echo 'sendmail: mail queue full' >&2
            exit 75
            """)
        try script("hanging", "exec sleep 600")
    }

    var arguments: URL { folder.appendingPathComponent("arguments") }
    var message: URL { folder.appendingPathComponent("message") }
    func command(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private func script(_ name: String, _ body: String) throws {
        let path = command(name)
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }
}

@Suite struct NotificationSinkTests {
    /// The command gets its arguments and an RFC 5322 message on stdin: headers without injected lines, CRLF
    /// line ends, the body after a blank line.
    @Test func sendmailReceivesTheMessageOnStdin() throws {
        try withScratchFolder { folder in
            let fake = try FakeSendmail(in: folder)
            let sink = SendmailSink(command: [fake.command("ok"), "-t", "-i"], from: "RRF <rrf@fund.example>")
            try sink.deliver(OutboxMessage(
                idempotencyKey: "grant:RRF-2026-0001|report.overdue|1|nadia", recipient: "nadia@ngo-alpha.example",
                subject: "Report overdue\nBcc: someone@example.org", body: "The interim report 1 is late.\nPlease submit it."
            ))
            #expect(try String(contentsOf: fake.arguments, encoding: .utf8) == "-t\n-i\n")
            let message = try String(contentsOf: fake.message, encoding: .utf8)
            let parts = message.components(separatedBy: "\r\n\r\n")
            #expect(parts.count == 2, "\(message)")
            let headers = parts[0].components(separatedBy: "\r\n")
            #expect(headers.contains("From: RRF <rrf@fund.example>"))
            #expect(headers.contains("To: nadia@ngo-alpha.example"))
            #expect(headers.contains("Subject: Report overdue Bcc: someone@example.org"))
            #expect(!headers.contains { $0.hasPrefix("Bcc:") })
            #expect(headers.contains { $0.hasPrefix("Message-ID: <rrf-") })
            #expect(headers.contains("Content-Type: text/plain; charset=utf-8"))
            #expect(parts.last == "The interim report 1 is late.\r\nPlease submit it.\r\n")
        }
    }

    /// A non-zero exit is an error that carries the status and what the command printed; a missing command too.
    @Test func aFailingSendmailIsAnError() throws {
        try withScratchFolder { folder in
            let fake = try FakeSendmail(in: folder)
            let message = OutboxMessage(idempotencyKey: "k", recipient: "nadia@ngo-alpha.example", subject: "S", body: "B")
            #expect(throws: NotificationError.commandFailed(command: "\(fake.command("failing")) -t", status: 75, output: "sendmail: mail queue full")) {
                try SendmailSink(command: [fake.command("failing"), "-t"], from: "rrf@fund.example").deliver(message)
            }
            #expect(throws: (any Error).self) {
                try SendmailSink(command: [fake.command("missing")], from: "rrf@fund.example").deliver(message)
            }
            // A mail command that hangs is stopped (SIGTERM: status 143) so that it does not hold a worker.
            #expect(throws: NotificationError.commandFailed(command: fake.command("hanging"), status: 143, output: "")) {
                try SendmailSink(command: [fake.command("hanging")], from: "rrf@fund.example", timeout: .milliseconds(300)).deliver(message)
            }
        }
    }

    /// Through the queue: a failed delivery leaves the notification pending with the error and the job to retry;
    /// the retry with a working command sends it.
    @Test func aFailedMailDeliveryIsRetried() throws {
        try withScratchFolder { folder in
            let fake = try FakeSendmail(in: folder)
            try withTestDatabase { database in
                let connection = try database.connect()
                let id = try #require(try Outbox.enqueue(
                    OutboxMessage(idempotencyKey: "retry-me", recipient: "sec@fund.example", subject: "Overdue", body: "Late."), on: connection
                ))
                func pool(_ script: String) throws -> WorkerPool {
                    let sinks = NotificationSinks(email: SendmailSink(command: [fake.command(script), "-t"], from: "rrf@fund.example"))
                    let pool = WorkerPool(configuration: poolConfiguration(database), registry: JobRegistry([NotifyHandler(sinks: sinks)]))
                    try pool.register(on: connection)
                    return pool
                }
                #expect(try pool("failing").runBatch(on: connection) == 1)
                let failed = try connection.queryPrepared("SELECT state::text AS state, attempts, last_error FROM notifications WHERE id = $1", [id]).single()
                #expect(try failed.decode("state", as: String.self) == "pending")
                #expect(try failed.decode("attempts", as: Int.self) == 1)
                #expect(try failed.decode("last_error", as: String.self).contains("exited with status 75: sendmail: mail queue full"))
                let job = try connection.query("SELECT state::text AS state, attempts FROM jobs WHERE kind = 'notify'").single()
                #expect(try job.decode("state", as: String.self) == "pending")
                #expect(try job.decode("attempts", as: Int.self) == 1)

                try connection.execute("UPDATE jobs SET run_at = now() WHERE kind = 'notify'")
                #expect(try pool("ok").runBatch(on: connection) == 1)
                #expect(try scalar("SELECT state::text FROM notifications WHERE id = $1", [id], on: connection, as: String.self) == "sent")
                #expect(try String(contentsOf: fake.message, encoding: .utf8).contains("To: sec@fund.example\r\n"))
            }
        }
    }

    /// The webhook POSTs the message as JSON with its idempotency key; a 2xx answer is a delivery, another status
    /// an error (the job is retried), and a URL outside the allowed list is refused without a request.
    @Test func webhooksPostTheMessageAndFailOnAnErrorStatus() throws {
        let accepting = try LocalHTTPServer(status: 204)
        defer { accepting.stop() }
        let failing = try LocalHTTPServer(status: 503)
        defer { failing.stop() }
        let secret = try #require(WebhookSecret("whsec-test"))
        let sink = WebhookSink(allowedURLs: [accepting.url("/hooks/rrf"), failing.url("/hooks/rrf")], secret: secret, timeout: .seconds(10))
        let message = OutboxMessage(
            idempotencyKey: "grant:RRF-2026-0001|report.overdue|1|nadia", recipient: accepting.url("/hooks/rrf"),
            subject: "[RRF] report.overdue", body: "The interim report 1 is late.", channel: .webhook
        )
        try sink.deliver(message)
        let request = try #require(accepting.requests.first)
        #expect(accepting.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/hooks/rrf")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["idempotency-key"] == message.idempotencyKey)
        #expect(try JSONDecoder().decode(OutboxMessage.self, from: request.body) == message)

        var refused = message
        refused.recipient = failing.url("/hooks/rrf")
        #expect(throws: NotificationError.webhookFailed(url: refused.recipient, reason: "HTTP status 503")) {
            try sink.deliver(refused)
        }
        #expect(failing.requests.count == 1)
        var elsewhere = message
        elsewhere.recipient = accepting.url("/other")
        #expect(throws: NotificationError.webhookNotAllowed(elsewhere.recipient)) {
            try sink.deliver(elsewhere)
        }
        #expect(accepting.requests.count == 1)
    }
}
