import Foundation
import RRFTestSupport
import Testing

/// Runs the built `rrfctl` without any database settings.
enum Offline {
    /// `program` (rrfctl unless named, e.g. `psql`, found on PATH) with `arguments`.
    static func run(
        _ arguments: [String], environment extra: [String: String] = [:], removing: [String] = [], program: String? = nil
    ) throws -> CLI.Outcome {
        let process = Process()
        process.executableURL = program == nil ? CLI.executable : URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = (program.map { [$0] } ?? []) + arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["DATABASE_URL", "PGHOST", "PGDATABASE", "PGSERVICE"] + removing { environment[key] = nil }
        environment.merge(extra) { $1 }
        process.environment = environment
        // Files, not pipes: a throwaway PostgreSQL's watchdog inherits the output and outlives rrfctl for a moment,
        // so a pipe would not reach its end when rrfctl exits.
        return try withScratchFolder { folder in
            let outURL = folder.appendingPathComponent("stdout")
            let errURL = folder.appendingPathComponent("stderr")
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            let out = try FileHandle(forWritingTo: outURL)
            let err = try FileHandle(forWritingTo: errURL)
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let status = reap(process)
            try out.close()
            try err.close()
            return CLI.Outcome(
                status: status, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
            )
        }
    }
}

/// Waits for `process` and returns its exit status. Reaps it directly with waitpid: Foundation's own wait has
/// been seen to miss the exit of an `rrfctl demo` that started and stopped its own PostgreSQL.
func reap(_ process: Process) -> Int32 {
    let pid = process.processIdentifier
    while true {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
        if result == -1 {
            // Foundation reaped it first.
            process.waitUntilExit()
            return process.terminationStatus
        }
        usleep(20_000)
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
        // The daemon and the portal print the same release (issue 17 item 8).
        for program in ["rrfd", "rrfweb"] {
            let other = try Offline.run(["--version"], program: CLI.executable.deletingLastPathComponent().appendingPathComponent(program).path)
            #expect(other.status == 0 && other.stdout == version.stdout, "\(program) --version: \(other.stdout) \(other.stderr)")
        }
    }

    @Test func theRootHelpDocumentsExitCodesAndCompletions() throws {
        let help = try Offline.run(["--help"])
        #expect(help.stdout.contains("Exit codes:"))
        // The help is wrapped to the terminal's width: compare its words.
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        // sysexits where one fits (issue 17 item 8), beside the fund's own 3 to 6.
        for code in ["3 refused by a rule", "4 not found", "5 changed by someone else", "6 not allowed", "64 usage error",
                     "65 a file not in its format", "69 the database cannot be reached", "74 a file could not be read",
                     "77 not signed in", "78 configuration"] {
            #expect(words(help.stdout).contains(code), "the root help lacks \(code)")
        }
        #expect(!words(help.stdout).contains(" 7 configuration"))
        #expect(help.stdout.contains("--generate-completion-script"))
        for program in ["rrfd", "rrfweb"] {
            let other = try Offline.run(["--help"], program: CLI.executable.deletingLastPathComponent().appendingPathComponent(program).path)
            #expect(words(other.stdout).contains("Exit codes:") && words(other.stdout).contains("78 a bad setting"), "\(program) --help: \(other.stdout)")
        }
    }
}
