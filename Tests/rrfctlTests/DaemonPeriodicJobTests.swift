import Foundation
import Postgres
import RRFTestSupport
import Testing

/// rrfd's built-in periodic jobs, each run twice by the real daemon: they notify once.
@Suite(.serialized) struct DaemonPeriodicJobTests {
    /// `grant.mark_reports_due` (hourly) makes a report due and, once it is past its due date, tells the
    /// organisation's NGO users and the secretariat once (`report.overdue`).
    @Test func theReportsJobNotifiesAnOverdueReportOnce() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            try cli.ok("user", "add", "nora", "--name", "Nora NGO", "--role", "ngo_user", "--organisation", "NGO-ALPHA", "--email", "nora@ngo-alpha.example", as: "admin")
            try cli.ok("user", "add", "sam2", "--name", "Second Secretary", "--role", "secretariat", "--email", "sec2@example.org", as: "admin")
            try cli.ok("user", "add", "fin", "--name", "Fiona Finance", "--role", "finance_officer", as: "admin")
            try cli.ok("fund", "deposit", "--call", "SA-1", "--cluster", "health", "--amount", "20000.00 USD", "--donor", "ECHO", as: "fin")
            let reference = try cli.submitProposal()
            let connection = try db.connect()
            defer { connection.close() }
            try connection.query("UPDATE proposals SET state = 'scored' WHERE reference = $1", [reference])
            try cli.ok("proposal", "decide", reference, "approve", "--amount", "12500.00 USD", "--justification", "Urgent.", as: "fm")
            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            try daemon.drain()  // proposal.create_grant
            try cli.ok("grant", "sign", reference, "--signatory", "Amina Yusuf, Director", as: "fm")
            try connection.query(
                """
                UPDATE grant_reports SET period_start = current_date - 100, period_end = current_date - 40, due_date = current_date - 10
                WHERE sequence = 1 AND grant_id = (SELECT id FROM grants WHERE reference = $1)
                """,
                [reference]
            )
            for _ in 0..<2 {
                try connection.execute("INSERT INTO jobs (kind, payload) VALUES ('grant.mark_reports_due', '{}')")
                try daemon.drain()
            }
            func events(_ type: String) throws -> Int {
                try connection.queryPrepared("SELECT count(*)::int AS n FROM audit_events WHERE event_type = $1", [type]).single().decode("n", as: Int.self)
            }
            #expect(try events("report.due") == 1)
            #expect(try events("report.overdue") == 1)
            let overdue = daemon.notificationText().split(separator: "\n").filter { $0.contains("report.overdue") }
            #expect(overdue.count == 2, "\(daemon.notificationText())")
            #expect(overdue.contains { $0.contains("nora@ngo-alpha.example") && $0.contains("report 1 of grant \(reference) was due on") })
            #expect(overdue.contains { $0.contains("sec2@example.org") })
        }
    }

    /// `training.certificate_expiry_reminders` (daily) tells the certificate's organisation's NGO users once about
    /// a certificate valid for 30 days or less; a certificate valid longer, and other organisations, hear nothing.
    @Test func theCertificateExpiryJobRemindsOnceAboutCertificatesExpiringWithin30Days() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            try cli.ok("user", "add", "nora", "--name", "Nora NGO", "--role", "ngo_user", "--organisation", "NGO-ALPHA", "--email", "nora@ngo-alpha.example", as: "admin")
            try cli.ok("org", "register", "NGO-BETA", "--name", "Beta Aid", "--country", "SO", as: "sec")
            try cli.ok("user", "add", "bea", "--name", "Bea Beta", "--role", "ngo_user", "--organisation", "NGO-BETA", "--email", "bea@ngo-beta.example", as: "admin")
            try cli.ok("user", "add", "sam2", "--name", "Second Secretary", "--role", "secretariat", "--email", "sec2@example.org", as: "admin")
            try cli.ok("user", "add", "tina", "--name", "Tina Trainer", "--role", "trainer", as: "admin")
            try cli.ok("training", "course", "add", "PSEA", "--title", "Protection from sexual exploitation", "--validity-months", "12", as: "sec")
            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let scheduled = try cli.ok(
                "training", "session", "schedule", "--course", "PSEA", "--start", today, "--place", "Nairobi", "--trainer", "tina",
                "--capacity", "10", "--json", as: "sec"
            )
            let session = try #require((try JSONSerialization.jsonObject(with: Data(scheduled.stdout.utf8)) as? [String: Any])?["reference"] as? String)
            for name in ["Amina Yusuf", "Brian Otieno"] {
                try cli.ok("training", "attend", session, "--name", name, "--organisation", "NGO-ALPHA", "--passed", as: "tina")
            }
            try cli.ok("training", "session", "held", session, as: "tina")
            try cli.ok("training", "session", "close", session, as: "tina")
            let connection = try db.connect()
            defer { connection.close() }
            // Amina's certificate lapses in 10 days; Brian's stays valid for a year.
            try connection.execute("UPDATE training_certificates SET valid_through = current_date + 10 WHERE holder_name = 'Amina Yusuf'")
            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            for _ in 0..<2 {
                try connection.execute("INSERT INTO jobs (kind, payload) VALUES ('training.certificate_expiry_reminders', '{}')")
                try daemon.drain()
            }
            let reminded = try connection.query(
                "SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'training.certificate_expiry_reminded'"
            ).single().decode("n", as: Int.self)
            #expect(reminded == 1)
            let reminders = daemon.notificationText().split(separator: "\n").filter { $0.contains("plan a refresher") }
            #expect(reminders.count == 1, "\(daemon.notificationText())")
            #expect(reminders.first?.contains("nora@ngo-alpha.example") == true)
            #expect(reminders.first?.contains("Amina Yusuf") == true)
            #expect(!reminders.contains { $0.contains("Brian Otieno") || $0.contains("bea@ngo-beta.example") || $0.contains("sec2@example.org") })
            #expect(try connection.query("SELECT count(*)::int AS n FROM jobs WHERE state <> 'succeeded' AND run_at <= now()").single().decode("n", as: Int.self) == 0)
        }
    }
}
