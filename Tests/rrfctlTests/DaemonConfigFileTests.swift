import Foundation
import RRFTestSupport
import Testing

/// rrfd's YAML file: a key it does not know is refused with a sentence naming it (a typo is never ignored), the
/// documented example is accepted, and `--print-config` shows every setting with the secrets redacted.
@Suite struct DaemonConfigFileTests {
    /// `rrfd --config <file> --print-config` with only `extra` in the environment.
    func printConfig(_ yaml: String, environment extra: [String: String] = [:]) throws -> ProcessRun {
        try withScratchFolder { scratch in
            let file = try scratch.file("rrfd.yaml", yaml)
            return try ProcessRun(Daemon.executable.path, ["--config", file.path, "--print-config"],
                                  environment: ["PATH": "/usr/bin:/bin"].merging(extra) { _, new in new })
        }
    }

    @Test(arguments: [
        ("workers: 2\nworker_count: 3\n", "\"worker_count\" is not a setting of rrfd"),
        ("notifications:\n  webhook_url: https://hooks.example.org/rrf\n", "\"notifications.webhook_url\" is not a setting of rrfd"),
        ("cron:\n  - name: nightly\n    schedule: \"0 2 * * *\"\n    kind: grant.mark_reports_due\n    payloads: \"{}\"\n",
         "\"cron[0].payloads\" is not a setting of rrfd"),
    ])
    func anUnknownKeyIsRefusedByName(yaml: String, sentence: String) throws {
        let run = try printConfig(yaml)
        #expect(run.status == 78, "\(run.output)")
        #expect(run.output.contains(sentence), "\(run.output)")
        #expect(run.output.contains("the settings"), "the refusal lists the allowed keys: \(run.output)")
    }

    @Test(arguments: [["--workers", "0"], ["--batch-size", "0"]])
    func aSettingThePoolCannotRunWithIsAConfigurationError(arguments: [String]) throws {
        let run = try ProcessRun(Daemon.executable.path, arguments + ["--database-url", "postgresql://nobody@127.0.0.1:1/none"],
                                 environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 78, "\(run.output)")
        #expect(run.output.contains("must be at least 1"), "\(run.output)")
    }

    @Test func theDocumentedExampleIsAccepted() throws {
        let example = try String(contentsOf: checkoutRoot.appendingPathComponent("deploy/rrfd.yaml.example"), encoding: .utf8)
        let run = try printConfig(example)
        #expect(run.status == 0, "\(run.output)")
        for line in ["workers: 4", "batch_size: 10", "shutdown_timeout: 25.0", "retention_days: 14.0", "maintenance: true",
                     "cron: rrf.reports_due=7 * * * *"] {
            #expect(run.output.contains(line), "missing \(line): \(run.output)")
        }
    }

    @Test func aFileOfOnlyCommentsHoldsNoSettings() throws {
        let run = try printConfig("# every setting at its default\n")
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("workers: 4"), "\(run.output)")
    }

    @Test func printConfigShowsEverySettingWithTheSecretsRedacted() throws {
        let run = try printConfig("workers: 3\nnotifications:\n  from: rrf@fund.example\n", environment: [
            "DATABASE_URL": "postgresql://rrf_app:pw-Sd83kd-not-shown@db.internal:5432/rrf",
            "RRFD_WEBHOOK_URLS": "https://hooks.example.org/rrf",
            "RRFD_WEBHOOK_SECRET": "hook-secret-Xq81-not-shown",
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect(!run.output.contains("not-shown"), "\(run.output)")
        for line in ["database_url: postgresql://rrf_app:(redacted)@db.internal:5432/rrf", "workers: 3",
                     "notifications.from: rrf@fund.example", "notifications.webhook_urls: https://hooks.example.org/rrf",
                     "notifications.webhook_secret: (set, redacted)", "poll_interval: 1.0", "heartbeat_timeout: 10.0"] {
            #expect(run.output.contains(line), "missing \(line): \(run.output)")
        }
        let conninfo = try printConfig("name: a\n", environment: ["DATABASE_URL": "host=db user=rrf_app password='pw not-shown' dbname=rrf"])
        #expect(conninfo.status == 0, "\(conninfo.output)")
        #expect(!conninfo.output.contains("not-shown") && conninfo.output.contains("password=(redacted) dbname=rrf"), "\(conninfo.output)")
    }
}
