import Foundation
import JobQueue
import Notifications
import Postgres
import RRFTestSupport
import Testing

/// The outbox end to end: a message written once, delivered by a `notify` job, never twice.
@Suite struct OutboxTests {
    @Test func notificationsReachTheFileSinkOnce() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            let path = try database.scratchFile("notify.jsonl").path
            let message = OutboxMessage(idempotencyKey: "review-reminder:42", recipient: "reviewer@example.org",
                                        subject: "Review due", body: "Please score RRF-2026-0042.", channel: .file)
            let id = try #require(try Outbox.enqueue(message, on: connection))
            #expect(try Outbox.enqueue(message, on: connection) == nil)
            let pool = WorkerPool(configuration: poolConfiguration(database),
                                  registry: JobRegistry([NotifyHandler(sinks: NotificationSinks(file: FileSink(path: path)))]))
            try pool.register(on: connection)
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(try scalar("SELECT state::text FROM notifications WHERE id = $1", [id], on: connection, as: String.self) == "sent")
            func lines() throws -> [String] { try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init) }
            #expect(try lines().count == 1)
            #expect(try lines().first?.contains(#""key":"review-reminder:42""#) == true)

            // Another delivery job for a sent message delivers nothing.
            try Jobs.enqueue(NewJob(kind: "notify", payloadJSON: #"{"notification":\#(id)}"#), on: connection)
            #expect(try pool.runBatch(on: connection) == 1)
            // The crash edge (sink wrote, "sent" never committed): the file sink skips the key.
            try connection.query("UPDATE notifications SET state = 'pending', sent_at = NULL WHERE id = $1", [id])
            try Jobs.enqueue(NewJob(kind: "notify", payloadJSON: #"{"notification":\#(id)}"#), on: connection)
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(try lines().count == 1)
            #expect(try scalar("SELECT count(*) FROM jobs WHERE state <> 'succeeded'", on: connection, as: Int64.self) == 0)
        }
    }
}
