import Foundation
import Postgres
import RRFTestSupport
import Testing

@Suite struct ReviewCommandTests {
    @Test func aCommitteeReviewsAProposalFromTheCommandLine() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin")
            try cli.ok("user", "add", "sec", "--name", "Sam Secretariat", "--role", "secretariat", as: "admin")
            for login in ["rita", "rolf", "rosa"] {
                try cli.ok("user", "add", login, "--name", "Reviewer \(login)", "--role", "reviewer", as: "admin")
            }
            try cli.ok("org", "register", "NGO-ALPHA", "--name", "Alpha Relief", "--country", "KE", as: "sec")
            let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(300 * 86_400)).prefix(10)
            try cli.ok("org", "assess", "NGO-ALPHA", "--risk", "low", "--expires", String(expires), as: "sec")
            try cli.ok("user", "add", "ngo", "--name", "Nadia", "--role", "ngo_user", "--organisation", "NGO-ALPHA", as: "admin")
            let deadline = ISO8601DateFormatter().string(from: Date().addingTimeInterval(20 * 86_400))
            let review = ISO8601DateFormatter().string(from: Date().addingTimeInterval(30 * 86_400))
            try cli.ok(
                "call", "create", "SA-1", "--title", "Floods 2026", "--currency", "USD", "--ceiling", "50000 USD",
                "--submission-deadline", deadline, "--review-deadline", review, "--envelope", "health=100000 USD", as: "sec"
            )
            try cli.ok("call", "open", "SA-1", as: "sec")
            try cli.ok("committee", "create", "PRC-HEALTH", "--call", "SA-1", "--cluster", "health", "--chair", "rita", "--quorum", "2", as: "sec")
            try cli.ok("committee", "add-member", "PRC-HEALTH", "rolf", as: "sec")
            try cli.ok("committee", "add-member", "PRC-HEALTH", "rosa", as: "sec")
            try cli.ok("committee", "declare-conflict", "rosa", "--organisation", "NGO-ALPHA", "--reason", "Former employer", as: "rosa")
            #expect(try cli.ok("committee", "show", "PRC-HEALTH").stdout.contains("rosa"))

            let reference = try cli.submitProposal(requested: "12500.50")
            try cli.ok("proposal", "screen", reference, "pass", as: "sec")

            let assigned = try cli.ok("review", "assign", reference, "--auto", as: "sec")
            #expect(assigned.stdout.contains("rita") && assigned.stdout.contains("rolf") && !assigned.stdout.contains("rosa"))
            let conflicted = try cli.run("review", "assign", reference, "--reviewer", "rosa", as: "sec")
            #expect(conflicted.status == 3)
            #expect(conflicted.stderr.contains("conflict of interest"))

            try cli.ok("review", "submit", reference, "--score", "relevance=4", "--score", "feasibility=4", "--score", "value_for_money=3",
                       "--score", "capacity=1", "--comments", "Thin staffing plan.", as: "rita")
            let csv = try db.scratchFile("scores-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: csv) }
            try "reference,reviewer,relevance,feasibility,value_for_money,capacity,comments\n\(reference),rolf,9,4,4,4,\n"
                .write(to: csv, atomically: true, encoding: .utf8)
            let badImport = try cli.run("review", "import", csv.path, as: "sec")
            #expect(badImport.status == 3)
            #expect(badImport.stderr.contains("line 2: 9 is not a valid score"))
            try "reference,reviewer,relevance,feasibility,value_for_money,capacity,comments\n\(reference),rolf,5,4,4,4,\"Good, clear\"\n"
                .write(to: csv, atomically: true, encoding: .utf8)
            #expect(try cli.ok("review", "import", csv.path, as: "sec").stdout.contains("Imported 1 review(s)."))

            let aggregated = try cli.ok("review", "aggregate", reference, as: "sec")
            #expect(aggregated.stdout.contains("passes"), "\(aggregated.stdout)")
            let shown = try cli.ok("review", "show", reference)
            #expect(shown.stdout.contains("scored"))
            let ranking = try cli.ok("call", "ranking", "SA-1")
            #expect(ranking.stdout.contains(reference) && ranking.stdout.contains("12,500.50 USD"))
            let json = try cli.ok("call", "ranking", "SA-1", "--json")
            let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let clusters = try #require(parsed?["clusters"] as? [[String: Any]])
            #expect((clusters.first?["lines"] as? [[String: Any]])?.first?["reference"] as? String == reference)
        }
    }
}
