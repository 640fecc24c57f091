import Foundation
import Postgres
import RRFTestSupport
import Testing

/// `rrfctl demo`, the built binary, end to end.
@Suite(.serialized) struct DemoTests {
    /// The parts of `demo --json` the tests check.
    struct Summary: Decodable {
        struct Envelope: Decodable {
            struct Amount: Decodable { let minorUnits: Int64 }
            let call: String
            let cluster: String
            let amount: Amount
            let committed: Amount
        }
        let calls: [String]
        let envelopes: [Envelope]
        let envelopeTotalMinor: [String: Int64]
        let committedTotalMinor: [String: Int64]
        let releasedTotalMinor: [String: Int64]
        let grantsByState: [String: Int]
        let proposalsByState: [String: Int]
    }

    @Test func theDemoSeedsAGivenEmptyDatabaseAndItsSummaryMatchesTheData() throws {
        try withTestDatabase { db in try withScratchFolder { scratch in
            let url = db.configuration.connectionURL
            let outbox = scratch.appendingPathComponent("outbox.jsonl").path
            let outcome = try Offline.run(
                ["demo", "--database-url", url, "--i-understand-this-writes-demo-data", "--json", "--outbox", outbox],
                environment: ["RRF_SQL_DIR": TestServer.schemaDirectory.path]
            )
            #expect(outcome.status == 0, "demo failed: \(outcome.stderr)")
            #expect(outcome.stderr.contains("Act 1."))
            #expect(outcome.stderr.contains("refused, as it should be"))
            let summary = try JSONDecoder().decode(Summary.self, from: Data(outcome.stdout.utf8))
            let connection = try db.connect()
            defer { connection.close() }
            var states: [String: Int] = [:]
            for row in try connection.query("SELECT state, count(*)::int AS n FROM proposals GROUP BY state").rows {
                states[try row.decode("state")] = try row.decode("n", as: Int.self)
            }
            #expect(summary.proposalsByState == states)
            #expect(states["ineligible"] == 1)
            let totals = try connection.query(
                "SELECT sum(amount_minor)::bigint AS amount, sum(committed_minor)::bigint AS committed FROM call_envelopes"
            ).single()
            #expect(summary.envelopeTotalMinor["USD"] == (try totals.decode("amount", as: Int64.self)))
            #expect(summary.committedTotalMinor["USD"] == (try totals.decode("committed", as: Int64.self)))
            #expect(summary.calls == ["RES-FLOOD-1", "STD-2026-1"])
            // Committed = the approved amounts; released = the released tranches; one grant closed.
            let approved = try connection.query("SELECT coalesce(sum(approved_minor), 0)::bigint AS n FROM proposals WHERE state = 'approved'").single().decode("n", as: Int64.self)
            #expect(approved > 0)
            let released = try connection.query("SELECT coalesce(sum(amount_minor), 0)::bigint AS n FROM tranches WHERE state = 'released'").single().decode("n", as: Int64.self)
            #expect(summary.releasedTotalMinor["USD"] == released)
            #expect(released > 0)
            var grants: [String: Int] = [:]
            for row in try connection.query("SELECT state, count(*)::int AS n FROM grants GROUP BY state").rows {
                grants[try row.decode("state")] = try row.decode("n", as: Int.self)
            }
            #expect(summary.grantsByState == grants)
            #expect(grants["closed", default: 0] >= 1 && grants["active", default: 0] >= 1)
            // Later tranches were released on accepted reports, and the late partner's reports are overdue.
            let later = try connection.query("SELECT count(*)::int AS n FROM tranches WHERE state = 'released' AND sequence > 1").single().decode("n", as: Int.self)
            #expect(later > 0)
            #expect(outcome.stderr.contains("DARFUR-WOMEN has 2 overdue report(s)"))
            // rrfd delivered the e-mails of the story (to its development file sink).
            let sent = try connection.query("SELECT count(*)::int AS n FROM notifications WHERE state = 'sent'").single().decode("n", as: Int.self)
            #expect(sent > 0)
            #expect(outcome.stderr.contains("it delivered \(sent) e-mails to \(outbox)"))
            // --outbox keeps them where it says (without it they are removed at the end, never left in /tmp).
            #expect(try String(contentsOfFile: outbox, encoding: .utf8).split(separator: "\n").count == sent)
            #expect(states["rejected"] == 1)
            #expect(outcome.stderr.contains("release it himself — refused"))
            #expect(outcome.stderr.contains("Assigning Ahmed Ali"))
            #expect(outcome.stderr.contains("the panel diverges"))
            let organisations = try connection.query("SELECT count(*)::int AS n FROM organisations").single().decode("n", as: Int.self)
            #expect(organisations == 7)
            // Every step went through the store: each proposal has its audit trail, and the chains verify.
            let audited = try connection.query(
                "SELECT count(DISTINCT stream)::int AS n FROM audit_events WHERE stream LIKE 'proposal:%'"
            ).single().decode("n", as: Int.self)
            #expect(audited == states.values.reduce(0, +))
            // The demo's fund is clean by both verifications (issue 13: after the demo and after the suite).
            for command in [["ledger", "verify"], ["audit", "verify"]] {
                let verified = try Offline.run(command + ["--database-url", url], environment: ["RRF_SQL_DIR": TestServer.schemaDirectory.path])
                #expect(verified.status == 0, "\(command.joined(separator: " ")): \(verified.stdout) \(verified.stderr)")
            }

            let again = try Offline.run(
                ["demo", "--database-url", url, "--i-understand-this-writes-demo-data"],
                environment: ["RRF_SQL_DIR": TestServer.schemaDirectory.path]
            )
            #expect(again.status == 3, "a second demo into the same database must be refused")
            #expect(again.stderr.contains("only seeds an empty database"))
        } }
    }

    @Test func theDemoRefusesAConfiguredDatabaseWithoutConfirmation() throws {
        let configured = try Offline.run(["demo"], environment: ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"])
        #expect(configured.status == 64)
        #expect(configured.stderr.contains("DATABASE_URL is set"))
        let unconfirmed = try Offline.run(["demo", "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        #expect(unconfirmed.status == 64)
        #expect(unconfirmed.stderr.contains("--i-understand-this-writes-demo-data"))
    }

    @Test func theDemoRunsOnAThrowawayPostgreSQLAndLeavesNothingBehind() throws {
        let outcome = try Offline.run(["demo"], environment: ["RRF_SQL_DIR": TestServer.schemaDirectory.path])
        #expect(outcome.status == 0, "demo failed: \(outcome.stderr)")
        #expect(outcome.stdout.contains("The fund dashboard"))
        let line = try #require(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("A private PostgreSQL was started in ") })
        let folder = line.dropFirst("A private PostgreSQL was started in ".count).prefix { $0 != " " && $0 != ";" }
        #expect(folder.hasPrefix("/tmp/"))
        #expect(!FileManager.default.fileExists(atPath: String(folder)), "the demo left \(folder) behind")
    }
}
