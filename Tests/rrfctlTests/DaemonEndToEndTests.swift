import Foundation
import Postgres
import RRFTestSupport
import Testing

@Suite(.serialized) struct DaemonEndToEndTests {
    /// Two daemons, one database: the screening pass gets reviewers assigned, the last review gets the proposal
    /// scored and ranked and the fund manager told, with nobody running a command after the review.
    @Test func twoDaemonsScoreAndRankAProposalWhenTheLastReviewArrives() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            for login in ["rita", "rolf", "rosa"] {
                try cli.ok("user", "add", login, "--name", "Reviewer \(login)", "--role", "reviewer", as: "admin")
            }
            try cli.ok("committee", "create", "PRC-HEALTH", "--call", "SA-1", "--cluster", "health", "--chair", "rita", "--quorum", "3", as: "sec")
            try cli.ok("committee", "add-member", "PRC-HEALTH", "rolf", as: "sec")
            try cli.ok("committee", "add-member", "PRC-HEALTH", "rosa", as: "sec")
            let reference = try cli.submitProposal()

            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            // `daemon status` is a monitoring check: 69 (unavailable) until a daemon runs, then 0.
            #expect(try cli.run("daemon", "status").status == 69)
            let first = try daemon.start(name: "rrfd-a")
            let second = try daemon.start(name: "rrfd-b")
            defer {
                for process in [first, second] where process.isRunning { _ = daemon.stop(process) }
            }
            let connection = try db.connect()
            defer { connection.close() }
            func count(_ sql: String) throws -> Int {
                try connection.queryPrepared(sql, [reference]).single().decode("n", as: Int.self)
            }

            // The screening pass enqueues the assignment; a daemon assigns the three members.
            try cli.ok("proposal", "screen", reference, "pass", as: "sec")
            #expect(eventually { (try? cli.run("daemon", "status").status) == 0 }, "daemon status never saw the daemons")
            let assigned = try eventually {
                try count("SELECT count(*)::int AS n FROM reviews r JOIN proposals p ON p.id = r.proposal_id WHERE p.reference = $1 AND r.state = 'assigned'") == 3
            }
            #expect(assigned, "reviewers not assigned: \(daemon.logText("rrfd-a"))\n\(daemon.logText("rrfd-b"))")

            for login in ["rita", "rolf", "rosa"] {
                try cli.ok("review", "submit", reference, "--score", "relevance=4", "--score", "feasibility=4", "--score", "value_for_money=3",
                           "--score", "capacity=4", "--comments", "Sound plan.", as: login)
            }
            // Nobody runs anything now: the daemons aggregate, rank and notify.
            let scored = try eventually {
                try count("SELECT count(*)::int AS n FROM proposals WHERE reference = $1 AND state = 'scored'") == 1
            }
            #expect(scored, "proposal not scored: \(daemon.logText("rrfd-a"))\n\(daemon.logText("rrfd-b"))")
            let ranking = try cli.ok("call", "ranking", "SA-1", "--json")
            let parsed = try JSONSerialization.jsonObject(with: Data(ranking.stdout.utf8)) as? [String: Any]
            let clusters = try #require(parsed?["clusters"] as? [[String: Any]])
            #expect((clusters.first?["lines"] as? [[String: Any]])?.first?["reference"] as? String == reference)
            let told = eventually {
                let text = daemon.notificationText()
                return text.contains("fm@example.org") && text.contains("Proposal \(reference) is scored")
            }
            #expect(told, "no notification to the fund manager: \(daemon.notificationText())")

            #expect(daemon.stop(first) && first.terminationStatus == 0, "rrfd-a: \(daemon.logText("rrfd-a"))")
            #expect(daemon.stop(second) && second.terminationStatus == 0, "rrfd-b: \(daemon.logText("rrfd-b"))")
            #expect(try connection.query("SELECT count(*)::int AS n FROM jobs WHERE state = 'running'").single().decode("n", as: Int.self) == 0)
            // What the daemons did is recorded as their configured user, not as an anonymous `system`.
            #expect(try count("SELECT count(*)::int AS n FROM audit_events WHERE stream = 'proposal:' || $1 AND actor = 'system'") == 0)
            #expect(try count("SELECT count(*)::int AS n FROM audit_events WHERE stream = 'proposal:' || $1 AND actor = 'rrfd'") >= 2)
            #expect(try connection.query("SELECT count(*)::int AS n FROM jobs WHERE state = 'discarded'").single().decode("n", as: Int.self) == 0)
        }
    }
}
