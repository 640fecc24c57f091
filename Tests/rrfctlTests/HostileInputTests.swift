import Foundation
import Postgres
import RRFTestSupport
import Testing

/// Issue 17, done when: a corpus of hostile values fed to every field of every input-taking command
/// (``HostileInputTable``) is refused with an exit code other than 0, a sentence naming the field, no stack
/// trace, SQL or raw terminal escape, and no row changed in any table. The one row a refusal may add is its own
/// line in the security log (`security_events`), which records every refusal by design.
@Suite(.serialized) struct HostileInputTests {
    /// Files some commands of the table read, in the folder the commands run in.
    static let files: [String: String] = [
        "password.txt": CLI.password + "\n",
        "tranche-policy.yaml": "percentages: {low: [70, 30], medium: [50, 30, 20], high: [40, 30, 20, 10]}\nspendThresholdPercent: 80\n",
    ]

    /// Words that must never reach a person: a Swift crash, SQL, a server error.
    static let leaks = ["Fatal error", "Stack dump", "SQLSTATE", "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "syntax error at", "pq_", "PQ"]

    @Test func everyFieldRefusesEveryHostileValueAndChangesNothing() throws {
        try withDemoFund { db in
            try withScratchFolder { folder in
                for (name, text) in Self.files { _ = try folder.file(name, text) }
                let cli = CLI(db)
                for actor in Set(HostileInputTable.fields.map(\.actor)) where !actor.isEmpty { try cli.signIn(actor) }
                var before = try Self.rowCounts(db)
                var failures = 0
                for field in HostileInputTable.fields {
                    for value in field.kind.corpus {
                        let outcome = try Self.run(field, value, cli: cli, in: folder)
                        let after = try Self.rowCounts(db)
                        let said = outcome.stdout + outcome.stderr
                        let problems = Self.problems(of: outcome, field: field, before: before, after: after)
                        if !problems.isEmpty {
                            failures += 1
                            Issue.record("\(field) with \(value): \(problems.joined(separator: "; ")) — said: \(said.prefix(300).debugDescription)")
                        }
                        before = after
                    }
                }
                #expect(failures == 0, "\(failures) hostile inputs were not refused as they should be")
            }
        }
    }

    /// Text stored before these rules (or written by another program) still reaches the terminal only escaped.
    @Test func storedControlCharactersAreShownEscaped() throws {
        try withDemoFund { db in
            let connection = try db.connect()
            defer { connection.close() }
            try connection.execute("UPDATE organisations SET name = 'Tana ' || chr(27) || '[2J' || chr(13) || 'Youth' WHERE code = 'TANA-YOUTH'")
            let cli = CLI(db)
            for arguments in [["org", "list"], ["org", "show", "TANA-YOUTH"]] {
                let outcome = try cli.finish(cli.start(arguments, actor: "daniel"))
                #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
                #expect(outcome.stdout.contains("Tana \\u{1B}[2J\\u{D}Youth"), "\(arguments): \(outcome.stdout)")
                #expect(!outcome.stdout.contains("\u{1B}") && !outcome.stdout.contains("\r"), "\(arguments): a raw control character reached the terminal")
            }
            let json = try cli.finish(cli.start(["org", "show", "TANA-YOUTH", "--json"], actor: "daniel"))
            #expect(json.stdout.lowercased().contains("tana \\u001b[2j\\ryouth"), "JSON escapes as JSON does: \(json.stdout)")
        }
    }

    /// What is wrong with how rrfctl answered `field`'s hostile value, if anything.
    static func problems(of outcome: CLI.Outcome, field: HostileField, before: [String: Int], after: [String: Int]) -> [String] {
        var problems: [String] = []
        let said = outcome.stdout + outcome.stderr
        if outcome.status == 0 { problems.append("accepted (exit 0)") }
        if outcome.status > 100 { problems.append("crashed (status \(outcome.status))") }
        if said.count > 2_000 { problems.append("the refusal is \(said.count) characters long") }
        let named = field.names.lowercased().split(separator: "|").contains { said.lowercased().contains($0) }
        if !named && !Self.refusedFirstForAnotherReason.contains(field.description) {
            problems.append("the refusal does not name \(field.names)")
        }
        if said.contains("\u{1B}") || said.contains("\u{9B}") { problems.append("a raw terminal escape reached the output") }
        for leak in leaks where said.contains(leak) { problems.append("leaked \(leak.debugDescription)") }
        for (table, count) in after where count != before[table] {
            let grew = count - (before[table] ?? 0)
            if table == "security_events" && grew <= 1 { continue }
            problems.append("\(table) changed by \(grew) rows")
        }
        return problems
    }

    /// Runs `field`'s command with `value` in its place, through sh (which can give bytes that are not UTF-8).
    static func run(_ field: HostileField, _ value: HostileValue, cli: CLI, in folder: URL) throws -> CLI.Outcome {
        let words = field.path.map(shellQuoted) + field.arguments.map { argument in
            argument == "§" ? value.shellWord : shellQuoted(argument.replacingOccurrences(of: "~", with: " "))
        }
        let process = cli.bare([], actor: field.actor.isEmpty ? nil : field.actor)
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Into files, not pipes: a refusal may be long, and one pipe read after the other could fill.
        process.arguments = ["-c", "exec \"$0\" \(words.joined(separator: " ")) </dev/null >stdout 2>stderr", CLI.executable.path]
        process.currentDirectoryURL = folder
        try process.run()
        let status = reap(process)
        func read(_ name: String) throws -> String {
            String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
        }
        return CLI.Outcome(status: status, stdout: try read("stdout"), stderr: try read("stderr"))
    }

    /// The number of rows of every table of the fund's schema.
    static func rowCounts(_ db: TestDatabase) throws -> [String: Int] {
        let connection = try db.connect()
        defer { connection.close() }
        let tables = try connection.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").rows.map { try $0.decode("tablename", as: String.self) }
        let counts = try connection.query(
            "SELECT " + tables.map { "(SELECT count(*) FROM \"\($0)\") AS \"\($0)\"" }.joined(separator: ", ")
        ).single()
        return try Dictionary(uniqueKeysWithValues: tables.map { ($0, try counts.decode($0, as: Int.self)) })
    }

    /// Fields refused first for another reason on the demo fund, whose one training session is closed: a
    /// participant's gender is free text (so "aproved" is a gender), a score of 1.5 is a score, and a name's line
    /// break is tidied to a space.
    /// They are still checked for a refusal, no change, no leak and no raw escape, not for the field's name.
    static let refusedFirstForAnotherReason: Set<String> = [
        // A line break or tab in a participant's name is tidied to a space, as in a sign-in sheet's cell.
        "rrfctl training attend TS-1 --name § --organisation SOMAID",
        "rrfctl training attend TS-1 --name Ann --organisation SOMAID --gender §",
        "rrfctl training attend TS-1 --name Ann --organisation SOMAID --score §",
    ]

    /// Commands that take no value a person types: nothing in them can be hostile.
    static let withoutInput: Set<[String]> = [
        [], ["logout"], ["whoami"], ["token"], ["db"], ["db", "migrate"], ["db", "status"], ["org"], ["user"], ["call"], ["proposal"],
        ["committee"], ["review"], ["fund"], ["fund", "policy"], ["fund", "policy", "show"], ["fund", "policy", "history"], ["grant"],
        ["tranche"], ["report"], ["report", "mark-due"], ["report", "kpis"], ["ledger"], ["ledger", "balance"], ["ledger", "verify"],
        ["training"], ["training", "course"], ["training", "course", "list"], ["training", "session"], ["training", "certificate"],
        ["training", "report"], ["training", "requirement"], ["audit"], ["jobs"], ["jobs", "stats"], ["daemon"], ["daemon", "status"],
        ["workflow"], ["export"], ["commands"], ["manual"],
    ]

    /// Commands whose input is covered by a test of its own rather than by the table.
    static let coveredElsewhere: [[String]: String] = [
        ["demo"]: "DemoTests (its flags and --outbox)",
        ["proposal", "submit"]: "HostileFileTests (it reads only a file)",
        ["review", "import"]: "HostileFileTests (it reads only a file)",
        ["training", "import"]: "HostileFileTests (it reads only a file)",
        ["training", "requirement", "list"]: "the --call filter is an identifier like proposal list's",
        ["training", "session", "close"]: "the session argument is an identifier like held's",
        ["training", "session", "show"]: "the session argument is an identifier like held's",
        ["audit", "verify"]: "AuditAnchorCommandTests (folders and key files)",
        ["audit", "anchor"]: "AuditAnchorCommandTests (folders and key files)",
        ["audit", "keygen"]: "AuditAnchorCommandTests (key files)",
        ["committee", "list"]: "the --call filter is an identifier like proposal list's",
        ["grant", "show"]: "the reference is an identifier like grant log's",
        ["call", "edit"]: "besides --title, its options are call create's",
    ]

    @Test func everyInputTakingCommandIsListed() throws {
        let listed = try Offline.run(["commands"])
        let paths = listed.stdout.split(separator: "\n").map { $0.split(separator: " ").dropFirst().map(String.init) }
        let inTable = Set(HostileInputTable.fields.map(\.path))
        for path in paths where !inTable.contains(path) && !Self.withoutInput.contains(path) && Self.coveredElsewhere[path] == nil {
            Issue.record("rrfctl \(path.joined(separator: " ")) takes input but is not in HostileInputTable")
        }
    }
}
