import Foundation
import Postgres
import RRFTestSupport
import Testing

/// Runs the built `rrfd` (next to `rrfctl`) against a test database, acting as the `rrfd` user, with the
/// notification file sink in a file of the database's scratch folder and a short poll interval.
struct Daemon {
    let databaseURL: String
    let directory: URL

    static var executable: URL { CLI.executable.deletingLastPathComponent().appendingPathComponent("rrfd") }

    init(_ database: TestDatabase) throws {
        databaseURL = database.configuration.connectionURL
        directory = database.scratchFolder.appendingPathComponent("rrfd-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
            workers: 2
            poll_interval: 0.2
            heartbeat_timeout: 3
            shutdown_timeout: 5
            log_level: info
            """.write(to: configFile, atomically: true, encoding: .utf8)
    }

    var configFile: URL { directory.appendingPathComponent("rrfd.yaml") }
    /// The JSON-lines file the notifications are delivered to.
    var notifications: URL { directory.appendingPathComponent("notifications.jsonl") }

    func log(_ name: String) -> URL { directory.appendingPathComponent("\(name).log") }

    /// Starts a daemon; its output goes to `log(name)` (a file, so a chatty daemon never blocks on a full pipe).
    func start(name: String, arguments: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["--config", configFile.path, "--name", name] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        environment["RRFD_ACTOR"] = "rrfd"
        environment["RRFD_NOTIFY_FILE"] = notifications.path
        process.environment = environment
        _ = FileManager.default.createFile(atPath: log(name).path, contents: nil)
        let output = try FileHandle(forWritingTo: log(name))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Runs `rrfd --drain` (until no job is runnable) and expects it to exit 0.
    func drain(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let process = try start(name: "drain", arguments: ["--drain"])
        let exited = waitForExit(process, seconds: 30)
        #expect(exited && process.terminationStatus == 0, "rrfd --drain failed: \(logText("drain"))", sourceLocation: sourceLocation)
    }

    /// SIGTERM, then waits (bounded) for the exit.
    func stop(_ process: Process) -> Bool {
        process.terminate()
        return waitForExit(process, seconds: 20)
    }

    func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        process.waitUntilExit()
        return true
    }

    func logText(_ name: String) -> String {
        (try? String(contentsOf: log(name), encoding: .utf8)) ?? ""
    }

    func notificationText() -> String {
        (try? String(contentsOf: notifications, encoding: .utf8)) ?? ""
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

/// Polls `condition` every 100 ms for up to `seconds`; returns whether it became true.
func eventually(within seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    } while Date() < deadline
    return try condition()
}

extension CLI {
    /// The users most daemon tests need: admin, secretariat `sec`, fund manager `fm` (with an e-mail address), the
    /// daemon's own user `rrfd` (secretariat), and the organisation NGO-ALPHA (low risk) with its user `ngo`.
    func setUpFund() throws {
        try ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin")
        try ok("user", "add", "sec", "--name", "Sam Secretariat", "--role", "secretariat", as: "admin")
        try ok("user", "add", "fm", "--name", "Fatima Manager", "--role", "fund_manager", "--email", "fm@example.org", as: "admin")
        try ok("user", "add", "rrfd", "--name", "RRF daemon", "--role", "secretariat", as: "admin")
        try ok("org", "register", "NGO-ALPHA", "--name", "Alpha Relief", "--country", "KE", as: "sec")
        let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(300 * 86_400)).prefix(10)
        try ok("org", "assess", "NGO-ALPHA", "--risk", "low", "--expires", String(expires), as: "sec")
        try ok("user", "add", "ngo", "--name", "Nadia", "--role", "ngo_user", "--organisation", "NGO-ALPHA", as: "admin")
        let deadline = ISO8601DateFormatter().string(from: Date().addingTimeInterval(20 * 86_400))
        let review = ISO8601DateFormatter().string(from: Date().addingTimeInterval(30 * 86_400))
        try ok(
            "call", "create", "SA-1", "--title", "Floods 2026", "--currency", "USD", "--ceiling", "50000 USD",
            "--submission-deadline", deadline, "--review-deadline", review, "--envelope", "health=100000 USD", as: "sec"
        )
        try ok("call", "open", "SA-1", as: "sec")
    }

    /// Submits a health proposal of NGO-ALPHA (as `ngo`) to SA-1 requesting `requested` USD; returns its reference.
    func submitProposal(requested: String = "12500.00") throws -> String {
        let file = try database.scratchFile("proposal-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            {"organisation": "NGO-ALPHA", "call": "SA-1", "cluster": "health", "title": "Cholera response",
             "locations": ["Garissa"], "beneficiaries": 5000, "requested": "\(requested) USD", "duration_months": 6,
             "budget_lines": [{"description": "Everything", "amount": "\(requested) USD"}]}
            """.write(to: file, atomically: true, encoding: .utf8)
        let submitted = try ok("proposal", "submit", "--file", file.path, "--json", as: "ngo")
        return try #require((try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any])?["reference"] as? String)
    }
}
