import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import Testing

/// Runs the built `rrfctl` next to the test bundle (build it first: `swift build --build-tests` builds every product).
struct CLI {
    let databaseURL: String
    let database: TestDatabase
    /// Variables added to every command's environment (e.g. RRF_LOG_LEVEL).
    var environment: [String: String] = [:]
    /// The password every test person sets (at least 12 characters, not a common one).
    static let password = "correct horse battery staple"
    /// The actor of a command whose test names nobody: the secretariat `sec` once it exists (it sees the whole
    /// fund), before that nobody. `as: nil` is nobody.
    static let reader = "(reader)"

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rrfctl")
    }

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    init(_ database: TestDatabase) {
        databaseURL = database.configuration.connectionURL
        self.database = database
    }

    /// Where `actor`'s sign-in is kept for this test database (RRF_TOKEN_FILE): in the database's scratch
    /// folder, removed when the database is dropped.
    func tokenFile(_ actor: String?) -> URL {
        database.scratchFolder.appendingPathComponent("tokens", isDirectory: true).appendingPathComponent("\(actor ?? "nobody").token")
    }

    /// rrfctl with `arguments`, on the test database, signed in as `actor` (nobody when nil); not started, its
    /// output not redirected.
    func process(_ arguments: [String], actor: String? = CLI.reader) throws -> Process {
        let actor = actor == Self.reader ? try defaultReader() : actor
        if let actor { try signIn(actor) }
        return bare(arguments, actor: actor)
    }

    /// `sec` when that user exists, else nobody.
    private func defaultReader() throws -> String? {
        let connection = try database.connect()
        defer { connection.close() }
        let exists = try connection.query(
            "SELECT to_regclass('users') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'users') AS e"
        ).single().decode("e", as: Bool.self) && connection.query("SELECT EXISTS (SELECT 1 FROM users WHERE login = 'sec') AS e").single().decode("e", as: Bool.self)
        return exists ? "sec" : nil
    }

    /// rrfctl with `actor`'s token file, without signing in first.
    func bare(_ arguments: [String], actor: String?) -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        environment["RRF_SQL_DIR"] = TestServer.schemaDirectory.path
        environment["RRF_TOKEN_FILE"] = tokenFile(actor).path
        environment["RRF_TOKEN"] = nil
        environment["RRF_ACTOR"] = nil
        environment.merge(self.environment) { _, added in added }
        process.environment = environment
        return process
    }

    /// Signs `actor` in as a person would, once per test database: the person receives a one-time link
    /// (written here as an invitation would be), sets their password with `rrfctl user set-password`, and signs
    /// in with `rrfctl login`, giving the code of their authenticator app when the role needs one.
    func signIn(_ actor: String) throws {
        guard !FileManager.default.fileExists(atPath: tokenFile(actor).path) else { return }
        try FileManager.default.createDirectory(at: tokenFile(actor).deletingLastPathComponent(), withIntermediateDirectories: true)
        let link = try database.invitationLink(for: actor)
        let set = try finish(start(bare(["user", "set-password", "--link", link, "--password-file", "-"], actor: actor), input: Self.password))
        guard set.status == 0 else { throw CLIError("set-password for \(actor) failed: \(set.stderr)") }
        var login = ["login", "--login", actor, "--password-file", "-"]
        if let secret = set.stdout.split(separator: "\n").first(where: { $0.contains("Secret:") })?.split(separator: " ").last,
           let otp = OneTimePassword(base32: String(secret)) {
            login += ["--code", otp.code(at: Date())]
        }
        let signedIn = try finish(start(bare(login, actor: actor), input: Self.password))
        guard signedIn.status == 0 else { throw CLIError("login of \(actor) failed: \(signedIn.stderr)") }
    }

    /// Forgets `actor`'s sign-in, so the next command as them signs in again (e.g. after a reactivation).
    func signOut(_ actor: String) { try? FileManager.default.removeItem(at: tokenFile(actor)) }

    func start(_ arguments: [String], actor: String? = CLI.reader) throws -> (Process, Pipe, Pipe) {
        try start(try process(arguments, actor: actor))
    }

    /// Starts `process` with its output captured and `input` (if any) on its standard input.
    func start(_ process: Process, input: String? = nil) throws -> (Process, Pipe, Pipe) {
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = input.map { _ in Pipe() }
        if let inputPipe { process.standardInput = inputPipe }
        try process.run()
        if let input, let inputPipe {
            inputPipe.fileHandleForWriting.write(Data((input + "\n").utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        return (process, out, err)
    }

    func finish(_ started: (Process, Pipe, Pipe)) -> Outcome {
        let (process, out, err) = started
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    @discardableResult
    func run(_ arguments: String..., as actor: String? = CLI.reader, sourceLocation: SourceLocation = #_sourceLocation) throws -> Outcome {
        finish(try start(arguments, actor: actor))
    }

    /// Runs and expects success.
    @discardableResult
    func ok(_ arguments: String..., as actor: String? = CLI.reader, sourceLocation: SourceLocation = #_sourceLocation) throws -> Outcome {
        let outcome = finish(try start(arguments, actor: actor))
        #expect(outcome.status == 0, "rrfctl \(arguments.joined(separator: " ")) failed: \(outcome.stderr)", sourceLocation: sourceLocation)
        return outcome
    }
}

/// A step of the CLI harness itself failed.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}


@Suite(.serialized) struct EndToEndTests {
    @Test func theBinaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: CLI.executable.path), "build rrfctl first: swift build --build-tests")
    }

    @Test func migrateTwiceAndFromTwoProcessesAtOnce() throws {
        try withTestDatabase(migrated: false) { db in
            let cli = CLI(db)
            let first = try cli.start(["db", "migrate"])
            let second = try cli.start(["db", "migrate"])
            let outcomes = [cli.finish(first), cli.finish(second)]
            #expect(outcomes.allSatisfy { $0.status == 0 }, "\(outcomes.map(\.stderr))")
            let again = try cli.ok("db", "migrate")
            #expect(again.stdout.contains("up to date"))
            let files = try FileManager.default.contentsOfDirectory(atPath: TestServer.schemaDirectory.path).filter { $0.hasSuffix(".sql") }
            let connection = try db.connect()
            defer { connection.close() }
            let applied = try connection.query("SELECT count(*) AS n, count(DISTINCT version) AS distinct_versions FROM schema_migrations").single()
            #expect(try applied.decode("n", as: Int.self) == files.count)
            #expect(try applied.decode("distinct_versions", as: Int.self) == files.count)
            let status = try cli.ok("db", "status", "--json")
            #expect(!status.stdout.contains("pending"))
        }
    }

    @Test func aProposalFromFileToDecisionAndTheAuditLog() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin")
            try cli.ok("user", "add", "sec", "--name", "Sam Secretariat", "--role", "secretariat", as: "admin")
            try cli.ok("user", "add", "fm", "--name", "Fatima Manager", "--role", "fund_manager", as: "admin")
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
            // A deadline given as a day includes that whole day.
            let day = String(deadline.prefix(10))
            try cli.ok(
                "call", "create", "SA-2", "--title", "Drought", "--currency", "USD", "--ceiling", "50000 USD",
                "--submission-deadline", day, "--review-deadline", String(review.prefix(10)), "--envelope", "wash=1000 USD", as: "sec"
            )
            #expect(try cli.ok("call", "show", "SA-2").stdout.contains("Submission deadline: \(day)T23:59:59Z"))
            // Grants (issue #5): approvals commit deposited donor funding.
            try cli.ok("fund", "deposit", "--call", "SA-1", "--cluster", "health", "--amount", "100000 USD", "--donor", "ECHO", as: "fm")
            let calls = try cli.ok("call", "list")
            #expect(calls.stdout.contains("SA-1"))
            #expect(calls.stdout.contains("100,000.00 USD"))

            let file = try db.scratchFile("proposal-\(UUID().uuidString).yaml")
            defer { try? FileManager.default.removeItem(at: file) }
            try """
                organisation: NGO-ALPHA
                call: SA-1
                cluster: health
                title: "Cholera response; DROP TABLE proposals; --"
                summary: Case management and water treatment.
                locations: [Garissa]
                beneficiaries: 5000
                requested: 12500.50 USD
                duration_months: 6
                budget_lines:
                  - description: Everything
                    amount: 12500.50 USD
                """.write(to: file, atomically: true, encoding: .utf8)
            let submitted = try cli.ok("proposal", "submit", "--file", file.path, "--json", as: "ngo")
            let record = try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any]
            let reference = try #require(record?["reference"] as? String)
            #expect(record?["title"] as? String == "Cholera response; DROP TABLE proposals; --")

            let connection = try db.connect()
            defer { connection.close() }
            try connection.query("UPDATE proposals SET state = 'scored' WHERE reference = $1", [reference])

            // A bad amount: exit code 3 and a sentence on stderr.
            let bad = try cli.run("proposal", "decide", reference, "approve", "--amount", "12,5x USD", "--justification", "ok", as: "fm")
            #expect(bad.status == 3)
            #expect(bad.stderr.hasPrefix("error: "))
            #expect(bad.stderr.contains("12,5x"))
            #expect(!bad.stderr.contains("SQLSTATE"))
            for arguments in [
                ["proposal", "decide", reference, "approve", "--amount", "-5 USD", "--justification", "ok"],
                ["proposal", "decide", reference, "approve", "--amount", "5 ZZZ", "--justification", "ok"],
                ["proposal", "decide", reference, "approve", "--amount", "abc", "--justification", "ok"],
                ["proposal", "decide", reference, "reject", "--justification", "   "],
                ["org", "assess", "NGO-ALPHA", "--risk", "low", "--expires", "2026-02-30"],
                ["org", "assess", "NGO-ALPHA", "--risk", "extreme", "--expires", "2030-01-01"],
            ] {
                let refused = cli.finish(try cli.start(arguments, actor: arguments[0] == "org" ? "sec" : "fm"))
                #expect(refused.status == 3, "\(arguments): \(refused.stderr)")
                #expect(refused.stderr.hasPrefix("error: ") && refused.stderr.hasSuffix(".\n"), "\(refused.stderr)")
            }
            let unchanged = try cli.ok("proposal", "show", reference, "--json")
            #expect(unchanged.stdout.contains("\"state\" : \"scored\""))
            let noActor = try cli.run("proposal", "decide", reference, "reject", "--justification", "No.", as: nil)
            #expect(noActor.status == 77)
            #expect(noActor.stderr.contains("rrfctl login"))

            let decided = try cli.ok("proposal", "decide", reference, "approve", "--amount", "12000 USD", "--justification", "Urgent and sound.", as: "fm")
            #expect(decided.stdout.contains("12,000.00 USD"))
            let list = try cli.ok("proposal", "list", "--state", "approved", "--cluster", "health")
            #expect(list.stdout.contains(reference))
            let history = try cli.ok("audit", "log", reference)
            #expect(history.stdout.contains("proposal.submitted"))
            #expect(history.stdout.contains("proposal.approved"))
            #expect(try cli.ok("audit", "verify").stdout.contains("intact"))

            // Tamper with the approval event as superuser, bypassing the append-only trigger.
            try connection.withTransaction { connection in
                try connection.execute("SET LOCAL session_replication_role = replica")
                try connection.query(
                    "UPDATE audit_events SET payload = replace(payload, 'Urgent', 'Forged') WHERE stream = $1 AND sequence = 2",
                    ["proposal:\(reference)"]
                )
            }
            let verify = try cli.run("audit", "verify")
            #expect(verify.status == 3)
            #expect(verify.stderr.contains("Event 2 of proposal:\(reference)"))

            let missing = try cli.run("proposal", "show", "RRF-2026-9999")
            #expect(missing.status == 4)
        }
    }
}
