import Foundation
import Postgres
import RRFTestSupport
import Testing

/// Issue 17, done when, for the commands that read only a file: hostile files (NUL, invalid UTF-8, control and
/// ANSI characters, 1 MB and 10 MB texts, deep JSON and YAML, wrong-column CSV) are refused on the demo fund
/// with an exit code other than 0, a sentence naming the file or the field, nothing leaked, and no row changed
/// but the refusal's line in the security log. (DataFileTests checks the messages offline, case by case.)
@Suite(.serialized) struct HostileFileTests {
    /// A proposal of DARFUR-WOMEN to the standard call, with `title` and `summary` as given (JSON-escaped).
    static func proposal(title: String = "Safe spaces", summary: String = "") -> String {
        """
        {"organisation": "DARFUR-WOMEN", "call": "STD-2026-1", "cluster": "protection", "title": "\(title)",
         "summary": "\(summary)", "locations": ["El Geneina"], "beneficiaries": 400, "requested": "1000.00 USD",
         "duration_months": 6, "budget_lines": [{"description": "Staff", "amount": "1000.00 USD"}]}
        """
    }

    /// Each hostile file, by name, with the word its refusal must hold.
    static let proposals: [(name: String, bytes: Data, names: String)] = [
        ("nul.json", Data(proposal(title: "cut\\u0000here").utf8), "title"),
        ("escape.json", Data(proposal(title: "Safe \\u001b[31mspaces").utf8), "title"),
        ("c1.json", Data(proposal(summary: "csi \\u009b2J").utf8), "summary"),
        ("one-megabyte.json", Data(proposal(summary: String(repeating: "a", count: 1_000_000)).utf8), "summary"),
        ("ten-megabytes.json", Data(proposal(summary: String(repeating: "a", count: 10_000_000)).utf8), "summary"),
        // "Café" in Latin-1: the é is the byte E9, not UTF-8 (the only X of the file stands for it).
        ("latin1.json", Data(proposal(title: "CafX").utf8.map { $0 == 0x58 ? 0xE9 : $0 }), "latin1.json"),
        ("deep.json", Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8), "deep.json"),
        ("deep.yaml", Data((String(repeating: "- ", count: 1) + String(repeating: "[", count: 100_000)).utf8), "deep.yaml"),
        ("wrong-type.json", Data(proposal().replacingOccurrences(of: "\"beneficiaries\": 400", with: "\"beneficiaries\": \"many\"").utf8), "beneficiaries"),
    ]

    static let reviewSheets: [(name: String, text: String, names: String)] = [
        ("columns.csv", "proposal,who,score\nRRF-2026-0001,john,3\n", "columns.csv"),
        ("fields.csv", "reference,reviewer,relevance\nRRF-2026-0001,john,3,4,5\n", "columns.csv|fields.csv"),
        // Refused on its line first because the demo's proposals are decided (see refusedFirstForAnotherReason).
        ("escape.csv", "reference,reviewer,relevance,comments\nRRF-2026-0001,john,3,\"\u{1B}[2J\"\n", "comment|line 2"),
        ("sql.csv", "reference,reviewer,relevance\n\"x' OR '1'='1\",john,3\n", "proposal reference"),
    ]

    static let attendanceSheets: [(name: String, text: String, names: String)] = [
        ("columns.csv", "who,where\nAnn,SOMAID\n", "columns.csv"),
        // Refused first because the demo's one session is closed (see refusedFirstForAnotherReason).
        ("escape.csv", "name,organisation\n\"Ann \u{1B}[31m\",SOMAID\n", "name|session"),
    ]

    @Test func everyHostileFileIsRefusedAndChangesNothing() throws {
        try withDemoFund { db in
            try withScratchFolder { folder in
                let cli = CLI(db)
                for actor in ["darfur-women.officer", "daniel", "ruth"] { try cli.signIn(actor) }
                var before = try HostileInputTests.rowCounts(db)
                func check(_ arguments: [String], as actor: String, names: String) throws {
                    let outcome = try cli.finish(cli.start(arguments, actor: actor))
                    let after = try HostileInputTests.rowCounts(db)
                    let field = HostileField(arguments.prefix(2).joined(separator: " "), "", as: actor, .text, names: names)
                    let problems = HostileInputTests.problems(of: outcome, field: field, before: before, after: after)
                    #expect(problems.isEmpty, "rrfctl \(arguments.joined(separator: " ")): \(problems) — said: \(outcome.stderr.prefix(300))")
                    before = after
                }
                for file in Self.proposals {
                    let url = folder.appendingPathComponent(file.name)
                    try file.bytes.write(to: url)
                    try check(["proposal", "submit", "--file", url.path], as: "darfur-women.officer", names: file.names)
                }
                for sheet in Self.reviewSheets {
                    try check(["review", "import", try folder.file(sheet.name, sheet.text).path], as: "daniel", names: sheet.names)
                }
                for sheet in Self.attendanceSheets {
                    try check(["training", "import", "TS-1", try folder.file(sheet.name, sheet.text).path], as: "ruth", names: sheet.names)
                }
            }
        }
    }
}
