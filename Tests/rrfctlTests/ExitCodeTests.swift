import Foundation
import RRFTestSupport
import Testing

/// Issue 17 item 8: a mistyped command name is a usage error (64) naming the command meant; the database is
/// unavailable (69) and a bad setting of rrfd or rrfweb is a configuration error (78), as sysexits has them.
@Suite struct ExitCodeTests {
    @Test(arguments: [
        (["propsal", "list"], "Unknown command propsal. Did you mean proposal?"),
        (["proposal", "lst"], "Unknown command proposal lst. Did you mean proposal list?"),
        (["Proposal", "list"], "Unknown command Proposal. Did you mean proposal?"),
        (["trnache", "release"], "Unknown command trnache. Did you mean tranche?"),
        (["training", "sesion", "list"], "Unknown command training sesion. Did you mean training session?"),
    ])
    func aMistypedCommandGetsASuggestion(arguments: [String], sentence: String) throws {
        let outcome = try Offline.run(arguments)
        #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
        #expect(outcome.stderr.contains(sentence), "\(arguments): \(outcome.stderr)")
    }

    @Test func aWordFarFromEveryCommandGetsTheParsersOwnMessage() throws {
        let outcome = try Offline.run(["xylophone"])
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("Did you mean"), "\(outcome.stderr)")
        // An option's value is not taken for a command.
        let filtered = try Offline.run(["proposal", "list", "--state", "aproved"], environment: ["DATABASE_URL": NoDatabase.url])
        #expect(filtered.status == 64 && !filtered.stderr.contains("Unknown command"), "\(filtered.stderr)")
    }

    @Test(arguments: [["call", "list"], ["db", "status"], ["whoami"]])
    func anUnreachableDatabaseIsUnavailable(arguments: [String]) throws {
        let outcome = try NoDatabase.run(arguments)
        #expect(outcome.status == 69, "\(arguments): \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("error: "), "\(outcome.stderr)")
    }

    @Test func rrfdExitsUnavailableWithoutItsDatabase() throws {
        let run = try ProcessRun(Daemon.executable.path, ["--drain"], environment: ["PATH": "/usr/bin:/bin", "DATABASE_URL": NoDatabase.url])
        #expect(run.status == 69, "\(run.output)")
        #expect(run.output.contains("cannot reach the database"), "\(run.output)")
    }

    @Test(arguments: [
        (["--log-level", "shouting"], [String: String](), "unknown log level 'shouting'"),
        ([String](), ["RRFD_WEBHOOK_URLS": "https://hooks.example.org/rrf"], "webhook URLs are configured without a secret"),
        ([String](), ["RRFD_WORKERS": "many"], "RRFD_WORKERS must be a whole number"),
    ])
    func rrfdRefusesABadSettingAsConfiguration(arguments: [String], environment: [String: String], sentence: String) throws {
        let run = try ProcessRun(Daemon.executable.path, arguments + ["--print-config"],
                                 environment: ["PATH": "/usr/bin:/bin"].merging(environment) { _, new in new })
        #expect(run.status == 78, "\(run.output)")
        #expect(run.output.contains(sentence), "\(run.output)")
    }

    @Test(arguments: [
        ("port: 99999\n", [String: String](), "give a whole number from 1 to 65535"),
        ("port: [8080\n", [:], "is not valid YAML"),
        ("- port\n", [:], "is not a YAML mapping"),
        ("port: 8080\n", ["RRFWEB_PORT": "http"], "RRFWEB_PORT is \"http\""),
    ])
    func rrfwebRefusesABadSettingAsConfiguration(yaml: String, environment: [String: String], sentence: String) throws {
        let run = try withScratchFolder { scratch in
            try ProcessRun(WebConfigFileTests.executable.path, ["--config", try scratch.file("rrfweb.yaml", yaml).path, "--print-config"],
                           environment: ["PATH": "/usr/bin:/bin"].merging(environment) { _, new in new })
        }
        #expect(run.status == 78, "\(run.output)")
        #expect(run.output.contains(sentence), "\(run.output)")
    }
}
