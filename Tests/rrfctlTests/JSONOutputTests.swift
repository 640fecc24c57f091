import Foundation
import Postgres
import RRFTestSupport
import Testing

/// `--json` everywhere: every read command prints JSON valid against its schema in docs/json/, on a database the
/// demo seeded.
@Suite(.serialized) struct JSONOutputTests {
    /// Every read command, with `{name}` standing for an identifier of the seeded database (``identifiers``).
    /// A new read command goes here: ``everyReadCommandIsListed`` fails until it is.
    static let readCommands: [[String]] = [
        ["db", "status"],
        ["org", "list"], ["org", "show", "{org}"],
        ["user", "list"], ["user", "show", "{user}"],
        ["call", "list"], ["call", "show", "{call}"], ["call", "ranking", "{call}"],
        ["proposal", "list"], ["proposal", "show", "{proposal}"],
        ["committee", "list"], ["committee", "show", "{committee}"], ["committee", "conflicts"],
        ["review", "list"], ["review", "show", "{proposal}"],
        ["grant", "list"], ["grant", "show", "{grant}"], ["grant", "log", "{grant}"],
        ["tranche", "list", "{grant}"],
        ["report", "list", "{grant}"], ["report", "kpis"],
        ["ledger", "balance"], ["ledger", "verify"],
        ["fund", "policy", "show"], ["fund", "policy", "history"],
        ["training", "course", "list"],
        ["training", "session", "list"], ["training", "session", "show", "{session}"],
        ["training", "certificate", "list", "--all"], ["training", "certificate", "expiring", "--days", "3650"],
        ["training", "report", "org", "{org}"], ["training", "report", "course", "{course}"],
        ["training", "requirement", "list"], ["training", "requirement", "check", "{org}"],
        ["audit", "log", "{proposal}"], ["audit", "verify"], ["audit", "refusals"],
        ["whoami"],
        ["jobs", "list"], ["jobs", "show", "{job}"], ["jobs", "stats"],
        ["daemon", "status"],
        ["workflow", "diagram"],
    ]

    /// Commands without `--as` that are not reads: they change the schema or the queue, or write a file format.
    static let notReads: Set<[String]> = [
        ["db", "migrate"], ["jobs", "retry"], ["jobs", "cancel"], ["demo"], ["export", "csv"], ["export", "hxl"], ["export", "iati"],
        ["login"], ["logout"], ["user", "set-password"], ["user", "reset-password"], ["audit", "anchor"], ["audit", "keygen"],
    ]

    /// Commands whose output is a file format of its own (CSV, XML) rather than data for scripts.
    static let withoutJSON: Set<[String]> = [
        ["export", "csv"], ["export", "hxl"], ["export", "iati"], ["login"], ["logout"], ["user", "reset-password"], ["audit", "keygen"],
    ]

    /// Who reads on the demo fund: its secretariat, or its administrator for what only they see.
    static func reader(_ command: [String]) -> String {
        [["audit", "refusals"], ["user", "list"]].contains(Array(command.prefix(2))) ? "admin" : "daniel"
    }

    /// SQL giving the identifier each `{name}` of ``readCommands`` stands for.
    static let identifiers: [String: String] = [
        "org": "SELECT code FROM organisations ORDER BY code LIMIT 1",
        "user": "SELECT login FROM users ORDER BY login LIMIT 1",
        "call": "SELECT code FROM calls ORDER BY code LIMIT 1",
        "proposal": "SELECT p.reference FROM proposals p WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = p.id) ORDER BY 1 LIMIT 1",
        "committee": "SELECT code FROM committees ORDER BY code LIMIT 1",
        "grant": "SELECT reference FROM grants ORDER BY reference LIMIT 1",
        "session": "SELECT 'TS-' || min(number) FROM training_sessions HAVING count(*) > 0",
        "course": "SELECT code FROM training_courses ORDER BY code LIMIT 1",
        "job": "SELECT id::text FROM jobs ORDER BY id LIMIT 1",
    ]

    /// Each visible leaf command (`rrfctl commands`) with its help text, from the Markdown manual.
    static func leafHelp() throws -> [[String]: String] {
        let manual = try Offline.run(["commands", "--markdown"])
        try #require(manual.status == 0, "\(manual.stderr)")
        var sections: [[String]: String] = [:]
        var current: [String]?
        for line in manual.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            let heading = line.drop { $0 == "#" }
            if line.hasPrefix("#"), heading.hasPrefix(" rrfctl") {
                current = heading.split(separator: " ").dropFirst().map(String.init)
                sections[current!] = ""
            } else if let path = current {
                sections[path, default: ""] += line + "\n"
            }
        }
        return sections.filter { path, _ in !sections.keys.contains { $0.count > path.count && Array($0.prefix(path.count)) == path } }
    }

    /// The command path of a ``readCommands`` entry: the words before its first argument or option.
    static func path(_ command: [String]) -> [String] {
        Array(command.prefix { !$0.hasPrefix("{") && !$0.hasPrefix("-") })
    }

    @Test func everyCommandThatPrintsDataAcceptsJSON() throws {
        for (path, help) in try Self.leafHelp() where !Self.withoutJSON.contains(path) {
            #expect(help.contains("--json"), "rrfctl \(path.joined(separator: " ")) has no --json")
        }
    }

    @Test func everyReadCommandIsListed() throws {
        let listed = Set(Self.readCommands.map(Self.path))
        let leaves = try Self.leafHelp()
        for (path, help) in leaves where !help.contains("--as <login>") && !Self.notReads.contains(path) {
            #expect(listed.contains(path), "rrfctl \(path.joined(separator: " ")) looks like a read command: add it to JSONOutputTests.readCommands")
        }
        for path in listed {
            #expect(leaves[path] != nil, "rrfctl \(path.joined(separator: " ")) is not a command")
        }
    }

    @Test func everyReadCommandHasASchemaAndEverySchemaACommand() throws {
        let listed = Set(Self.readCommands.map(Self.path))
        let documented = try JSONSchemas.documentedPaths()
        for path in listed.subtracting(documented) {
            Issue.record("rrfctl \(path.joined(separator: " ")) --json has no schema: write \(JSONSchemas.file(path).path)")
        }
        for path in documented.subtracting(listed) {
            Issue.record("\(JSONSchemas.file(path).lastPathComponent) describes no read command of JSONOutputTests.readCommands")
        }
    }

    @Test func theSchemaCheckRefusesAShapeItsSchemaDoesNotDescribe() throws {
        try withScratchFolder { scratch in
            let extra = #"{"total": 1, "totalIsEstimate": false, "limit": 50, "next": null, "items": [], "cursor": "next"}"#
            let problems = try JSONSchemas.problems(extra, path: ["proposal", "list"], scratch: scratch)
            #expect(problems?.contains("cursor") == true, "an unknown field is not refused: \(problems ?? "accepted")")
        }
    }

    @Test func everyReadCommandPrintsJSONValidAgainstItsSchemaOnTheDemoFund() throws {
        try withDemoFund { db in
            try withScratchFolder { scratch in
                let connection = try db.connect()
                defer { connection.close() }
                var values: [String: String] = [:]
                for (name, sql) in Self.identifiers {
                    let row = try #require(try connection.query(sql).first, "the demo fund has no \(name) for {\(name)}")
                    values[name] = try row.decode(0, as: String.self)
                }
                let cli = CLI(db)
                for command in Self.readCommands {
                    let arguments = command.map { word in word.hasPrefix("{") ? values[String(word.dropFirst().dropLast())] ?? word : word } + ["--json"]
                    let outcome = cli.finish(try cli.start(arguments, actor: Self.reader(command)))
                    let line = "rrfctl " + arguments.joined(separator: " ")
                    // No rrfd runs here: `daemon status` says so with 69 (and still prints its JSON).
                    #expect(outcome.status == (command == ["daemon", "status"] ? 69 : 0), "\(line) failed: \(outcome.stderr)")
                    #expect(outcome.stderr.isEmpty, "\(line) wrote to standard error: \(outcome.stderr)")
                    #expect((try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8))) != nil, "\(line) printed no valid JSON: \(outcome.stdout.prefix(300))")
                    // Swift's synthesized coding of an enum's associated value is not a shape for scripts (issue 17 item 5).
                    #expect(!outcome.stdout.contains("\"_0\""), "\(line) leaks Swift's enum encoding: \(outcome.stdout.prefix(300))")
                    guard FileManager.default.fileExists(atPath: JSONSchemas.file(Self.path(command)).path) else { continue }
                    if let problems = try JSONSchemas.problems(outcome.stdout, path: Self.path(command), scratch: scratch) {
                        Issue.record("\(line) does not match \(JSONSchemas.file(Self.path(command)).lastPathComponent):\n\(problems)")
                    }
                }
            }
        }
    }
}
