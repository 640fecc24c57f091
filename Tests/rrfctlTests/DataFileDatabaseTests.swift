import Foundation
import RRFTestSupport
import Testing

/// Issue 17 item 6 against a database: the files as the commands' --help shows them are accepted, the defaults
/// of their optional fields are what is stored, and a sheet refused by the fund's rules (exit code 3) keeps a
/// person's name as it is written.
@Suite struct DataFileDatabaseTests {
    /// A date `days` from now, as a file gives it (yyyy-mm-dd).
    func date(in days: Double) -> String { String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(days * 86_400)).prefix(10)) }

    /// The first value of `key` anywhere in a JSON document.
    func first(_ key: String, in json: Any) -> Any? {
        if let object = json as? [String: Any] {
            if let value = object[key] { return value }
            return object.values.lazy.compactMap { first(key, in: $0) }.first
        }
        return (json as? [Any])?.lazy.compactMap { first(key, in: $0) }.first
    }

    @Test func theDocumentedFilesAreAcceptedWithTheirDefaults() throws {
        try withTestDatabase { db in
            try withScratchFolder { scratch in
                let cli = CLI(db)
                try cli.ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin")
                try cli.ok("user", "add", "sec", "--name", "Sam Secretariat", "--role", "secretariat", as: "admin")
                for (login, name) in [("rita", "Rita Ode"), ("rolf", "Rolf Weber")] {
                    try cli.ok("user", "add", login, "--name", name, "--role", "reviewer", as: "admin")
                }
                try cli.ok("org", "register", "NGO-ALPHA", "--name", "Alpha Relief", "--country", "KE", as: "sec")
                try cli.ok("org", "assess", "NGO-ALPHA", "--risk", "low", "--expires", date(in: 300), as: "sec")
                try cli.ok("user", "add", "ngo", "--name", "Nadia", "--role", "ngo_user", "--organisation", "NGO-ALPHA", as: "admin")

                let call = DataFileExamples.call.replacingOccurrences(of: "2026-12-15", with: date(in: 20))
                    .replacingOccurrences(of: "2026-12-30", with: date(in: 30))
                try cli.ok("call", "create", "--file", try scratch.file("call.yaml", call).path, as: "sec")
                let unbalanced = #"{"criteria": [{"id": "a", "title": "A", "weight": 90, "maxScore": 5}], "passThreshold": 60}"#
                let refusedScorecard = try cli.run("call", "edit", "SA-2026-1", "--scorecard", try scratch.file("weights.json", unbalanced).path, as: "sec")
                #expect(refusedScorecard.status == 3 && refusedScorecard.stderr.contains("add up to 90, not 100"), "\(refusedScorecard.stderr)")
                try cli.ok("call", "edit", "SA-2026-1", "--scorecard", try scratch.file("scorecard.yaml", DataFileExamples.scorecard).path, as: "sec")
                let shown = try JSONSerialization.jsonObject(with: Data(try cli.ok("call", "show", "SA-2026-1", "--json").stdout.utf8))
                #expect(first("commentFloorPercent", in: shown) as? Int == 40, "the default comment floor is stored: \(shown)")
                #expect(first("passThreshold", in: shown) as? Int == 60)

                let policy = try scratch.file("policy.yaml", "percentages: {low: [60, 40], medium: [50, 30, 20], high: [40, 30, 20, 10]}\n")
                try cli.ok("fund", "policy", "set", "--file", policy.path, "--reason", "A smaller first tranche", as: "admin")
                let stored = try JSONSerialization.jsonObject(with: Data(try cli.ok("fund", "policy", "show", "--json").stdout.utf8))
                #expect(first("spendThresholdPercent", in: stored) as? Int == 70, "the default threshold is stored: \(stored)")

                try cli.ok("call", "open", "SA-2026-1", as: "sec")
                let submitted = try cli.ok("proposal", "submit", "--file", try scratch.file("proposal.yaml", DataFileExamples.proposal).path, "--json", as: "ngo")
                let reference = try #require(first("reference", in: try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8))) as? String)

                // A row the rules refuse names the reviewer as written, capital letters and all.
                try cli.ok("proposal", "screen", reference, "pass", as: "sec")
                try cli.ok("committee", "create", "PRC-HEALTH", "--call", "SA-2026-1", "--cluster", "health", "--chair", "rita", "--quorum", "2", as: "sec")
                try cli.ok("committee", "add-member", "PRC-HEALTH", "rolf", as: "sec")
                try cli.ok("review", "assign", reference, "--auto", as: "sec")
                try cli.ok("committee", "declare-conflict", "rolf", "--organisation", "NGO-ALPHA", "--reason", "Former employer", as: "rolf")
                let sheet = try scratch.file("reviews.csv", "reference,reviewer,relevance,capacity,comments\n\(reference),rolf,4,3,\n")
                let refused = try cli.run("review", "import", sheet.path, as: "sec")
                #expect(refused.status == 3, "\(refused.stderr)")
                #expect(refused.stderr.contains("line 2: Rolf Weber declared a conflict of interest"), "\(refused.stderr)")
            }
        }
    }
}
