import Foundation
import Postgres
import RRFTestSupport
import Testing

@Suite(.serialized) struct DaemonHandlerTests {
    /// The daemon creates the grant of an approved proposal, evaluates its first tranche after the signature
    /// (not ready: the organisation lacks the required certificate), and makes it ready once a certificate is
    /// issued (`training.certificates_changed`).
    @Test func aTrancheBecomesReadyWhenTheRequiredCertificateIsRecorded() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            try cli.ok("user", "add", "tina", "--name", "Tina Trainer", "--role", "trainer", as: "admin")
            try cli.ok("training", "course", "add", "PSEA", "--title", "Protection from sexual exploitation", "--validity-months", "12", as: "sec")
            try cli.ok("training", "requirements", "set-tranche", "--course", "PSEA", "--min-staff", "1", as: "sec")
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
            #expect(try connection.queryPrepared("SELECT state::text AS state FROM grants WHERE reference = $1", [reference]).single().decode("state", as: String.self) == "agreement_pending")
            try cli.ok("grant", "sign", reference, "--signatory", "Amina Yusuf, Director", as: "fm")
            try daemon.drain()  // grant.evaluate_tranches
            func firstTranche() throws -> (state: String, unmet: String) {
                let row = try connection.queryPrepared(
                    "SELECT t.state::text AS state, t.unmet::text AS unmet FROM tranches t JOIN grants g ON g.id = t.grant_id WHERE g.reference = $1 AND t.sequence = 1",
                    [reference]
                ).single()
                return (try row.decode("state"), try row.decode("unmet"))
            }
            let before = try firstTranche()
            #expect(before.state == "planned", "\(daemon.logText("drain"))")
            #expect(before.unmet.contains("PSEA"), "\(before.unmet)")

            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let scheduled = try cli.ok(
                "training", "session", "schedule", "--course", "PSEA", "--start", today, "--place", "Nairobi", "--trainer", "tina",
                "--capacity", "10", "--json", as: "sec"
            )
            let session = try #require((try JSONSerialization.jsonObject(with: Data(scheduled.stdout.utf8)) as? [String: Any])?["reference"] as? String)
            try cli.ok("training", "attend", session, "--name", "Amina Yusuf", "--organisation", "NGO-ALPHA", "--passed", as: "tina")
            try cli.ok("training", "session", "held", session, as: "tina")
            try cli.ok("training", "session", "close", session, as: "tina")
            #expect(try firstTranche().state == "planned")  // nothing changes until the daemon runs
            try daemon.drain()  // training.certificates_changed
            let after = try firstTranche()
            #expect(after.state == "ready", "\(after.unmet) \(daemon.logText("drain"))")
            #expect(daemon.notificationText().contains("Tranche 1 of grant \(reference)"))
        }
    }

    /// A refusal that can never succeed (too few eligible reviewers) completes the job, logs an error and tells
    /// the secretariat; a missing actor fails the job (retried) with a clear log line.
    @Test func refusalsForGoodAreNotRetriedAndAMissingActorIsExplained() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            try cli.ok("user", "add", "sam2", "--name", "Second Secretary", "--role", "secretariat", "--email", "sec2@example.org", as: "admin")
            try cli.ok("user", "add", "rita", "--name", "Reviewer rita", "--role", "reviewer", as: "admin")
            try cli.ok("committee", "create", "PRC-HEALTH", "--call", "SA-1", "--cluster", "health", "--chair", "rita", "--quorum", "3", as: "sec")
            let reference = try cli.submitProposal()
            try cli.ok("proposal", "screen", reference, "pass", as: "sec")
            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            try daemon.drain()
            let connection = try db.connect()
            defer { connection.close() }
            let assign = try connection.query("SELECT state::text AS state FROM jobs WHERE kind = 'proposal.assign_reviewers'").single()
            #expect(try assign.decode("state", as: String.self) == "succeeded")
            #expect(daemon.logText("drain").contains("job refused for good"))
            #expect(daemon.notificationText().contains("sec2@example.org"))
            #expect(daemon.notificationText().contains("proposal.assign_reviewers"))

            // Without its user the daemon cannot close a call: the attempt fails (retried), with the fix logged.
            try connection.execute("DELETE FROM user_roles WHERE user_id = (SELECT id FROM users WHERE login = 'rrfd')")
            try connection.execute("UPDATE calls SET submission_deadline = now() - interval '1 minute' WHERE code = 'SA-1'")
            try connection.execute("UPDATE jobs SET run_at = now() WHERE kind = 'call.close'")
            try daemon.drain()
            #expect(daemon.logText("drain").contains("the daemon's actor cannot run this job"), "\(daemon.logText("drain"))")
            let close = try connection.query("SELECT state::text AS state, attempts FROM jobs WHERE kind = 'call.close'").single()
            #expect(try close.decode("state", as: String.self) == "pending")
        }
    }

    /// A draft call scheduled to open is opened by the daemon at that time, once; a second schedule finds it open.
    @Test func theDaemonOpensACallAtItsScheduledTime() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            let formatter = ISO8601DateFormatter()
            try cli.ok(
                "call", "create", "SA-2", "--title", "Displacement 2026", "--currency", "USD", "--ceiling", "40000 USD",
                "--submission-deadline", formatter.string(from: Date().addingTimeInterval(20 * 86_400)),
                "--review-deadline", formatter.string(from: Date().addingTimeInterval(30 * 86_400)),
                "--envelope", "shelter=80000 USD", as: "sec"
            )
            let soon = formatter.string(from: Date().addingTimeInterval(3600))
            try cli.ok("call", "schedule-open", "SA-2", "--at", soon, as: "sec")
            try cli.ok("call", "schedule-open", "SA-2", "--at", formatter.string(from: Date().addingTimeInterval(7200)), as: "sec")
            let connection = try db.connect()
            defer { connection.close() }
            func state() throws -> String {
                try connection.query("SELECT state FROM calls WHERE code = 'SA-2'").single().decode("state", as: String.self)
            }
            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            try daemon.drain()
            #expect(try state() == "draft")  // not yet time
            try connection.execute("UPDATE jobs SET run_at = now() WHERE kind = 'call.open'")
            try daemon.drain()
            #expect(try state() == "open")
            #expect(try connection.query("SELECT count(*)::int AS n FROM jobs WHERE kind = 'call.open' AND state = 'succeeded'").single().decode("n", as: Int.self) == 2)
            #expect(try connection.query("SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'call.opened'").single().decode("n", as: Int.self) == 2)
        }
    }

    /// The decision SLA watch, the due diligence reminder, and the review reminders pass (a review due within 24
    /// hours reminded, an overdue one escalated) notify once even when their job runs twice; the call closes at its
    /// deadline.
    @Test func escalationsNotifyOnceAndTheCallClosesAtItsDeadline() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            try cli.ok("user", "add", "sam2", "--name", "Second Secretary", "--role", "secretariat", "--email", "sec2@example.org", as: "admin")
            try cli.ok("user", "add", "rita", "--name", "Reviewer rita", "--role", "reviewer", "--email", "rita@example.org", as: "admin")
            try cli.ok("user", "add", "rob", "--name", "Reviewer rob", "--role", "reviewer", "--email", "rob@example.org", as: "admin")
            try cli.ok("committee", "create", "PRC-HEALTH", "--call", "SA-1", "--cluster", "health", "--chair", "rita", "--quorum", "2", as: "sec")
            try cli.ok("committee", "add-member", "PRC-HEALTH", "rob", as: "sec")
            let reference = try cli.submitProposal()
            try cli.ok("proposal", "screen", reference, "pass", as: "sec")
            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            try daemon.drain()  // assigns rita and rob
            let connection = try db.connect()
            defer { connection.close() }
            try connection.execute("UPDATE reviews SET due_at = now() - interval '1 hour' WHERE reviewer_id = (SELECT id FROM users WHERE login = 'rita')")
            try connection.execute("UPDATE reviews SET due_at = now() + interval '2 hours' WHERE reviewer_id = (SELECT id FROM users WHERE login = 'rob')")
            try connection.execute("UPDATE proposals SET decision_due = now() - interval '1 hour'")
            try connection.execute("UPDATE organisations SET due_diligence_expires = current_date + 10")
            try connection.execute("UPDATE calls SET submission_deadline = now() - interval '1 minute'")
            try connection.execute("UPDATE jobs SET run_at = now() WHERE kind = 'call.close'")
            for _ in 0..<2 {
                try connection.execute("""
                    INSERT INTO jobs (kind, payload)
                    SELECT 'proposal.decision_sla_watch', json_build_object('proposalID', id::text, 'reference', reference, 'round', round)::jsonb FROM proposals
                    UNION ALL
                    SELECT 'organisation.due_diligence_reminder', json_build_object('organisationID', id::text, 'code', code)::jsonb FROM organisations
                    UNION ALL
                    SELECT 'review.escalate_overdue', '{}'::jsonb
                    """)
                try daemon.drain()
            }
            func events(_ type: String) throws -> Int {
                try connection.queryPrepared("SELECT count(*)::int AS n FROM audit_events WHERE event_type = $1", [type]).single().decode("n", as: Int.self)
            }
            #expect(try events("proposal.decision_sla_breached") == 1)
            #expect(try events("organisation.due_diligence_reminded") == 1)
            #expect(try events("review.overdue") == 1)
            #expect(try events("review.reminded") == 1)
            #expect(try connection.query("SELECT state::text AS state FROM calls WHERE code = 'SA-1'").single().decode("state", as: String.self) == "closed")
            let sent = daemon.notificationText()
            #expect(sent.contains("fm@example.org") && sent.contains("after its decision deadline"), "\(sent)")
            #expect(sent.contains("The due diligence of NGO-ALPHA expires"))
            #expect(sent.contains("rita@example.org") && sent.contains("is not in"))
            #expect(sent.contains("rob@example.org") && sent.contains("Reviewer rob: your review of proposal \(reference) is due"), "\(sent)")
            #expect(try connection.query("SELECT count(*)::int AS n FROM jobs WHERE state <> 'succeeded' AND run_at <= now()").single().decode("n", as: Int.self) == 0)
        }
    }
}
