import Foundation
import Testing

/// Runs the built `rrfctl` without any database settings.
enum Offline {
    static func run(_ arguments: [String], environment extra: [String: String] = [:], removing: [String] = []) throws -> CLI.Outcome {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["DATABASE_URL", "PGHOST", "PGDATABASE", "PGSERVICE"] + removing { environment[key] = nil }
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes on their own threads and reap the process first: a throwaway PostgreSQL's watchdog
        // inherits the pipes and only ends once the exited rrfctl is reaped, so reading to the end first would hang.
        let output = Box()
        let errors = Box()
        Thread { output.set(out.fileHandleForReading.readDataToEndOfFile()) }.start()
        Thread { errors.set(err.fileHandleForReading.readDataToEndOfFile()) }.start()
        process.waitUntilExit()
        while !output.isSet || !errors.isSet { usleep(1000) }
        return CLI.Outcome(
            status: process.terminationStatus, stdout: String(decoding: output.value, as: UTF8.self), stderr: String(decoding: errors.value, as: UTF8.self)
        )
    }

    /// A one-shot box for the stderr reader.
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var data: Data?
        func set(_ value: Data) { lock.withLock { data = value } }
        var isSet: Bool { lock.withLock { data != nil } }
        var value: Data { lock.withLock { data ?? Data() } }
    }
}

@Suite struct HelpTests {
    @Test func everyCommandHasHelp() throws {
        let listed = try Offline.run(["commands"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let paths = listed.stdout.split(separator: "\n").map { $0.split(separator: " ").dropFirst().map(String.init) }
        #expect(paths.count > 20, "the command tree looks too small: \(listed.stdout)")
        for expected in [["demo"], ["report", "kpis"], ["export", "csv"], ["proposal", "submit"], ["db", "migrate"]] {
            #expect(paths.contains(expected), "\(expected.joined(separator: " ")) is missing from rrfctl commands")
        }
        for path in paths {
            let outcome = try Offline.run(path + ["--help"])
            let name = (["rrfctl"] + path).joined(separator: " ")
            #expect(outcome.status == 0, "\(name) --help failed: \(outcome.stderr)")
            #expect(outcome.stdout.contains("USAGE: \(name)"), "\(name) --help has no usage line")
            #expect(outcome.stdout.contains("OVERVIEW:") || path.isEmpty, "\(name) --help has no overview")
        }
    }

    @Test func theManualPageAndCompletionsAreGenerated() throws {
        let man = try Offline.run(["commands", "--man"])
        #expect(man.status == 0)
        #expect(man.stdout.hasPrefix(".TH RRFCTL 1"))
        #expect(man.stdout.contains(".SH \"RRFCTL EXPORT CSV\""))
        let markdown = try Offline.run(["commands", "--markdown"])
        #expect(markdown.stdout.contains("## rrfctl demo"))
        let completion = try Offline.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0)
        #expect(completion.stdout.contains("rrfctl"))
        let version = try Offline.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test func theRootHelpDocumentsExitCodesAndCompletions() throws {
        let help = try Offline.run(["--help"])
        #expect(help.stdout.contains("Exit codes:"))
        #expect(help.stdout.contains("--generate-completion-script"))
    }
}
