import Foundation
import RRFTestSupport
import Testing

/// rrfctl signed in with a token nobody checks, on a database nobody listens at: every file is read before the
/// database is needed, so a bad file is refused offline, and a good one reaches the database and fails there (69).
enum NoDatabase {
    /// libpq fails at once: the socket folder does not exist.
    static let url = "postgresql://nobody@/nowhere?host=/nonexistent-rrf-socket"

    static func run(_ arguments: [String]) throws -> CLI.Outcome {
        try Offline.run(arguments, environment: ["DATABASE_URL": url, "RRF_TOKEN": "rrf_never_checked"])
    }
}

/// A command that reads a file: its arguments with `FILE` where the file's path goes, and the file's format.
struct FileCommand: Sendable, CustomTestStringConvertible {
    enum Format: String, Sendable { case json, yaml, yml, csv, txt }
    let arguments: [String]
    let format: Format

    init(_ arguments: String..., format: Format) {
        self.arguments = arguments
        self.format = format
    }

    var testDescription: String { "\(arguments.joined(separator: " ")) (.\(format.rawValue))" }

    /// Writes `content` into a scratch file of the command's format, runs the command on it (or on `path` when
    /// given, e.g. /dev/null) and checks what every refusal has: a sentence, naming the file, no crash or trace.
    func run(_ content: Data, path: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Outcome {
        try withScratchFolder { scratch in
            let file = path ?? scratch.appendingPathComponent("input.\(format.rawValue)").path
            if path == nil { try content.write(to: URL(fileURLWithPath: file)) }
            let outcome = try NoDatabase.run(arguments.map { $0 == "FILE" ? file : $0 })
            if outcome.status != 0 && outcome.status != 69 {
                #expect(outcome.stderr.hasPrefix("error: "), "\(self): \(outcome.stderr)", sourceLocation: sourceLocation)
                #expect(outcome.stderr.contains(file), "the refusal names the file: \(outcome.stderr)", sourceLocation: sourceLocation)
            }
            #expect(outcome.status < 128, "\(self) crashed: \(outcome.stderr)", sourceLocation: sourceLocation)
            for leak in ["Fatal error", "Stack dump", "SQLSTATE", "DecodingError", "Swift."] {
                #expect(!outcome.stderr.contains(leak), "\(self) leaks \(leak): \(outcome.stderr)", sourceLocation: sourceLocation)
            }
            return outcome
        }
    }
}

/// Issue 17 item 6: every file a command reads. A file not in its format (empty, not UTF-8, bad syntax, a field
/// unknown, missing or of the wrong type, nested too deeply) is exit code 65 with a sentence naming the file, the
/// field and, for YAML and CSV, the line; content in its format that breaks a rule of the fund is exit code 3.
@Suite struct DataFileTests {
    static let dataCommands: [FileCommand] = [
        FileCommand("call", "create", "--file", "FILE", format: .json),
        FileCommand("call", "create", "--file", "FILE", format: .yaml),
        FileCommand(
            "call", "create", "SA-9", "--title", "Floods", "--currency", "USD", "--ceiling", "100 USD", "--submission-deadline", "2030-01-01",
            "--review-deadline", "2030-02-01", "--scorecard", "FILE", format: .json
        ),
        FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .yaml),
        FileCommand("proposal", "submit", "--file", "FILE", format: .json),
        FileCommand("proposal", "resubmit", "RRF-2026-0001", "--file", "FILE", format: .yml),
        FileCommand("fund", "policy", "set", "--file", "FILE", "--reason", "Test", format: .yaml),
        FileCommand("fund", "policy", "set", "--file", "FILE", "--reason", "Test", format: .json),
    ]
    static let textCommands: [FileCommand] = [
        FileCommand("review", "import", "FILE", format: .csv),
        FileCommand("training", "import", "TS-1", "FILE", format: .csv),
        FileCommand("login", "--login", "amina", "--password-file", "FILE", format: .txt),
    ]

    @Test(arguments: dataCommands + textCommands)
    func anEmptyFileIsSaidToBeEmpty(command: FileCommand) throws {
        for content in ["", "  \n\n\t\n"] {
            let outcome = try command.run(Data(content.utf8))
            #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
            #expect(outcome.stderr.contains("is empty; it should hold"), "\(command): \(outcome.stderr)")
        }
        let null = try command.run(Data(), path: "/dev/null")
        #expect(null.status == 65, "\(command): \(null.stderr)")
        #expect(null.stderr.contains("The file /dev/null is empty"), "\(command): \(null.stderr)")
    }

    @Test(arguments: dataCommands + textCommands)
    func bytesThatAreNotUTF8AreRefusedWithTheirLine(command: FileCommand) throws {
        let outcome = try command.run(Data("first line\nsecond line\n".utf8) + Data([0x61, 0xFF, 0xFE, 0x0A]))
        #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("line 3, holds bytes that are not UTF-8"), "\(command): \(outcome.stderr)")
    }

    @Test(arguments: dataCommands + textCommands)
    func aMissingFileIsAnInputOutputError(command: FileCommand) throws {
        let outcome = try command.run(Data(), path: "/nonexistent-rrf-folder/input.\(command.format.rawValue)")
        #expect(outcome.status == 74, "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("does not exist; check its path"), "\(command): \(outcome.stderr)")
    }

    /// 100,000 nested lists (JSON, YAML flow and block style) are refused as syntax, without a crash.
    @Test(arguments: dataCommands)
    func deepNestingIsRefusedCleanly(command: FileCommand) throws {
        let depth = 100_000
        let documents = command.format == .json
            ? [String(repeating: "[", count: depth) + String(repeating: "]", count: depth)]
            : [String(repeating: "[", count: depth) + String(repeating: "]", count: depth), String(repeating: "- ", count: depth) + "x\n"]
        for document in documents {
            let outcome = try command.run(Data(document.utf8))
            #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
            #expect(outcome.stderr.contains("nested too deeply"), "\(command): \(outcome.stderr.prefix(500))")
        }
    }

    /// Anchors used nine times over, nine levels deep ("billion laughs"): refused at once, not expanded.
    @Test(arguments: dataCommands.filter { $0.format != .json })
    func aYAMLAliasBombIsRefused(command: FileCommand) throws {
        var document = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            document += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        let started = Date()
        let outcome = try command.run(Data(document.utf8))
        #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("holds more than 100000 values"), "\(command): \(outcome.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test(arguments: dataCommands)
    func anUnknownTopLevelKeyIsRefusedByName(command: FileCommand) throws {
        let document = command.format == .json ? "{\"colour\": \"blue\"}" : "# a comment\ncolour: blue\n"
        let outcome = try command.run(Data(document.utf8))
        #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("\"colour\" is not a field; the fields are"), "\(command): \(outcome.stderr)")
        if command.format != .json { #expect(outcome.stderr.contains(", line 2:"), "\(command): \(outcome.stderr)") }
    }

    @Test(arguments: [
        // A scorecard (call edit --scorecard, YAML; call create --scorecard, JSON).
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .yaml),
         "criteria:\n  - id: a\n    title: A\n    weight: heavy\n    maxScore: 5\npassThreshold: 60\n",
         ["line 4:", "the field \"criteria[0].weight\" should be a whole number"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .yaml),
         "criteria:\n  - id: a\n    title: A\n    weight: 100\npassThreshold: 60\n", ["line 2:", "the field \"criteria[0].maxScore\" is missing"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .yaml),
         "criteria: []\npassThreshold: 60\ncomment_floor: 30\n", ["line 3:", "\"comment_floor\" is not a field", "commentFloorPercent, criteria, passThreshold"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .yaml), "criteria: [\npassThreshold: 60\n", ["is not valid YAML (line"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .yaml), "# only a comment\n", ["holds only comments"]),
        (FileCommand("call", "create", "SA-9", "--title", "T", "--currency", "USD", "--ceiling", "1 USD", "--submission-deadline", "2030-01-01",
                     "--review-deadline", "2030-02-01", "--scorecard", "FILE", format: .json),
         "{\"criteria\": [{\"id\": \"a\", \"title\": \"A\", \"weight\": 100, \"maxscore\": 5}], \"passThreshold\": 60}",
         ["\"criteria[0].maxscore\" is not a field; the fields of criteria[0] are id, maxScore, title, weight"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .json), "{\"criteria\": \"a\", \"passThreshold\": 60}",
         ["the field \"criteria\" should be a list"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .json), "{\"criteria\": null, \"passThreshold\": 60}",
         ["the field \"criteria\" should be a list"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .json), "[1, 2]", ["the document should be a mapping of fields"]),
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .json), "{\"criteria\": [\n  {\"id\": \"a\",,}\n]}",
         ["is not valid JSON (line 2, column"]),
        // A call.
        (FileCommand("call", "create", "--file", "FILE", format: .yaml), "code: SA-9\ntitel: Floods\n", ["line 2:", "\"titel\" is not a field"]),
        (FileCommand("call", "create", "--file", "FILE", format: .yaml), "code: SA-9\nscorecard:\n  criteria: []\n  pass: 60\n",
         ["line 4:", "\"scorecard.pass\" is not a field; the fields of scorecard are commentFloorPercent, criteria, passThreshold"]),
        (FileCommand("call", "create", "--file", "FILE", format: .json),
         "{\"code\": \"SA-9\", \"title\": \"T\", \"currency\": \"USD\", \"submission_deadline\": \"2030-01-01\", \"review_deadline\": \"2030-02-01\", \"envelopes\": {}}",
         ["the field \"ceiling\" is missing"]),
        // A proposal.
        (FileCommand("proposal", "submit", "--file", "FILE", format: .yaml),
         "organisation: NGO-ALPHA\ncall: SA-1\ncluster: health\ntitle: T\nlocations: [Garissa]\nbeneficiaries: many\n",
         ["line 6:", "the field \"beneficiaries\" should be a whole number"]),
        (FileCommand("proposal", "submit", "--file", "FILE", format: .json),
         "{\"organisation\": \"NGO-ALPHA\", \"call\": \"SA-1\", \"cluster\": \"health\", \"title\": \"T\", \"locations\": [\"Garissa\"], \"beneficiaries\": 5, \"requested\": \"10 USD\", \"duration_months\": 6, \"budget_lines\": [{\"description\": \"All\"}]}",
         ["the field \"budget_lines[0].amount\" is missing"]),
        // A tranche policy.
        (FileCommand("fund", "policy", "set", "--file", "FILE", "--reason", "Test", format: .yaml),
         "percentages: {low: [100], medium: [100], high: [100], extreme: [100]}\n",
         ["line 1:", "\"percentages.extreme\" is not a field; the fields of percentages are high, low, medium"]),
        (FileCommand("fund", "policy", "set", "--file", "FILE", "--reason", "Test", format: .json), "{\"spendThresholdPercent\": 70}",
         ["the field \"percentages\" is missing"]),
    ])
    func aFieldNotInTheFormatIsNamed(command: FileCommand, document: String, sentences: [String]) throws {
        let outcome = try command.run(Data(document.utf8))
        #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
        for sentence in sentences { #expect(outcome.stderr.contains(sentence), "\(command): \(outcome.stderr)") }
    }

    @Test(arguments: [
        (FileCommand("review", "import", "FILE", format: .csv), "reference,relevance\nRRF-2026-0001,4\n", ["Line 1: the header must name"]),
        (FileCommand("review", "import", "FILE", format: .csv), "reference,reviewer,relevance\nRRF-2026-0001,rolf,abc\n",
         ["line 2: the score \"abc\" for relevance is not a whole number"]),
        (FileCommand("review", "import", "FILE", format: .csv), "reference,reviewer,relevance\nRRF-2026-0001,rolf\nRRF-2026-0002,rita,4,5\n",
         ["these 2 problems", "line 2: it has 2 fields, the header has 3", "line 3: it has 4 fields"]),
        (FileCommand("review", "import", "FILE", format: .csv), "reference,reviewer,comments\nRRF-2026-0001,rolf,\"never closed\n",
         ["Line 2: a quoted field opened here is never closed"]),
        (FileCommand("training", "import", "TS-1", "FILE", format: .csv), "name,organisation,colour\nAmina Yusuf,NGO-ALPHA,blue\n",
         ["line 1: unknown column \"colour\""]),
        (FileCommand("training", "import", "TS-1", "FILE", format: .csv), "name,organisation,attended\nAmina Yusuf,NGO-ALPHA,maybe\n",
         ["line 2: attended is \"maybe\"; write yes or no"]),
        (FileCommand("training", "import", "TS-1", "FILE", format: .csv), "name\nAmina Yusuf\n",
         ["line 1: the header has no \"organisation\" column"]),
    ])
    func aSheetNotInItsFormatIsRefusedByLine(command: FileCommand, sheet: String, sentences: [String]) throws {
        let outcome = try command.run(Data(sheet.utf8))
        #expect(outcome.status == 65, "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("nothing was imported"), "\(command): \(outcome.stderr)")
        for sentence in sentences { #expect(outcome.stderr.contains(sentence), "\(command): \(outcome.stderr)") }
    }

    /// Content in its format that breaks a rule of the fund is the rule's refusal (exit code 3), before any
    /// database is needed when the rule is the type's own (a scorecard's weights are checked by the store:
    /// DataFileDatabaseTests).
    @Test func aFileBreakingARuleIsRefusedByTheRule() throws {
        let policy = FileCommand("fund", "policy", "set", "--file", "FILE", "--reason", "Test", format: .yaml)
        let shares = try policy.run(Data("percentages: {low: [60, 30], medium: [100], high: [100]}\n".utf8))
        #expect(shares.status == 3, "\(shares.stderr)")
        #expect(shares.stderr.contains("for low risk must be"), "\(shares.stderr)")
    }

    /// Optional fields are optional: a scorecard without `commentFloorPercent`, a policy without
    /// `spendThresholdPercent`, a proposal without `summary`, and the examples of the help, all reach the database.
    @Test(arguments: [
        (FileCommand("call", "edit", "SA-9", "--scorecard", "FILE", format: .json),
         "{\"criteria\": [{\"id\": \"relevance\", \"title\": \"Relevance\", \"weight\": 60, \"maxScore\": 5}, {\"id\": \"capacity\", \"title\": \"Capacity\", \"weight\": 40, \"maxScore\": 5}], \"passThreshold\": 60}"),
        (FileCommand("fund", "policy", "set", "--file", "FILE", "--reason", "Test", format: .yaml), "percentages: {low: [70, 30], medium: [100], high: [100]}\n"),
        (FileCommand("call", "create", "--file", "FILE", format: .yaml), DataFileExamples.call),
        (FileCommand("proposal", "submit", "--file", "FILE", format: .yaml), DataFileExamples.proposal),
        (FileCommand("review", "import", "FILE", format: .csv), "reference,reviewer,relevance,capacity,comments\nRRF-2026-0001,amina,4,3,\"Clear plan, thin staffing\"\n"),
        (FileCommand("training", "import", "TS-1", "FILE", format: .csv), "name,organisation\nAmina Yusuf,NGO-ALPHA\n"),
    ])
    func aFileInItsFormatReachesTheDatabase(command: FileCommand, document: String) throws {
        let outcome = try command.run(Data(document.utf8))
        #expect(outcome.status == 69, "\(command): \(outcome.stderr)")
    }
}

extension DataFileTests {
    /// Every command that reads a file gives its format in --help, with the examples the tests use.
    @Test func theHelpGivesEachFilesFormatWithAnExample() throws {
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        for (command, example, fields) in [
            (["call", "create"], DataFileExamples.call, ["submission_deadline", "kind optional: standard (default) or reserve", "commentFloorPercent optional"]),
            (["call", "edit"], DataFileExamples.scorecard, ["maxScore", "commentFloorPercent optional", "(default 40;"]),
            (["proposal", "submit"], DataFileExamples.proposal, ["summary optional", "budget_lines"]),
            (["proposal", "resubmit"], DataFileExamples.proposal, ["duration_months"]),
            (["fund", "policy", "set"], "percentages: {low: [70, 30], medium: [50, 30, 20], high: [40, 30, 20, 10]}", ["spendThresholdPercent optional"]),
            (["review", "import"], "reference,reviewer,relevance,capacity,comments", ["comments optional", "exit code 65"]),
            (["training", "import"], "name,organisation,role,attended,passed,score", ["score optional", "exit code 65"]),
        ] {
            let help = words(try Offline.run(command + ["--help"]).stdout)
            for line in example.split(separator: "\n").map(String.init) + fields {
                #expect(help.contains(words(line)), "\(command) --help lacks \(line)")
            }
        }
    }
}

/// Files as the commands' --help shows them.
enum DataFileExamples {
    static let call = """
        code: SA-2026-1
        title: Floods in the north
        currency: USD
        ceiling: 50000 USD
        submission_deadline: 2026-12-15
        review_deadline: 2026-12-30T17:00:00Z
        envelopes: {health: 200000 USD, wash: 150000 USD}

        """
    static let scorecard = """
        criteria:
          - {id: relevance, title: Relevance to the needs, weight: 60, maxScore: 5}
          - {id: capacity, title: Capacity of the partner, weight: 40, maxScore: 5}
        passThreshold: 60

        """
    static let proposal = """
        organisation: NGO-ALPHA
        call: SA-2026-1
        cluster: health
        title: Mobile clinics for displaced families
        locations: [Maiduguri, Bama]
        beneficiaries: 4000
        requested: 12500.00 USD
        duration_months: 6
        budget_lines:
          - {description: Medicines, amount: 7500.00 USD}
          - {description: Staff, amount: 5000.00 USD}

        """
}
