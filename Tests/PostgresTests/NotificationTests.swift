import Foundation
import Postgres
import RRFTestSupport
import Testing

@Suite struct NotificationTests {
    @Test func notifyFromAnotherConnectionArrivesWithin100ms() throws {
        try withTestDatabase(migrated: false) { database in
            let listener = try database.connect()
            let sender = try database.connect()
            let channel = "jobs \"ready\"; DROP TABLE x"
            try listener.listen(channel)
            let sent = ContinuousClock.now
            try sender.notify(channel, payload: "proposal RRF-2026-0042")
            let received = try listener.waitForNotifications(timeout: .seconds(2))
            let elapsed = ContinuousClock.now - sent
            #expect(received.map(\.payload) == ["proposal RRF-2026-0042"])
            #expect(received.first?.channel == channel)
            #expect(received.first?.senderPID == sender.backendPID)
            #expect(elapsed < .milliseconds(100))
        }
    }

    @Test func waitTimesOutQuietly() throws {
        try withTestDatabase(migrated: false) { database in
            let listener = try database.connect()
            try listener.listen("quiet")
            let started = ContinuousClock.now
            #expect(try listener.waitForNotifications(timeout: .milliseconds(50)).isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(45))
        }
    }

    @Test func notificationIsDeliveredOnlyOnCommit() throws {
        try withTestDatabase(migrated: false) { database in
            let listener = try database.connect()
            let sender = try database.connect()
            try listener.listen("work")
            struct Abort: Error {}
            _ = try? sender.withTransaction { connection in
                try connection.notify("work", payload: "rolled back")
                throw Abort()
            }
            try sender.withTransaction { try $0.notify("work", payload: "committed") }
            let received = try listener.waitForNotifications(timeout: .seconds(1))
            #expect(received.map(\.payload) == ["committed"])
        }
    }

    @Test func droppedConnectionIsDetectedWhileWaiting() throws {
        try withTestDatabase(migrated: false) { database in
            let listener = try database.connect()
            let admin = try database.connect()
            try listener.listen("anything")
            try admin.query("SELECT pg_terminate_backend($1)", [listener.backendPID])
            let error = #expect(throws: PostgresError.self) {
                for _ in 0..<20 { _ = try listener.waitForNotifications(timeout: .milliseconds(100)) }
            }
            #expect(error?.kind == .connectionClosed)
        }
    }
}
