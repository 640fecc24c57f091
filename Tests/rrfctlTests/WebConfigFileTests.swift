import Foundation
import RRFTestSupport
import Testing

/// rrfweb's YAML file: an unknown key is refused by name (exit 78), the documented example is accepted, and
/// `--print-config` shows every setting with the database password redacted.
@Suite struct WebConfigFileTests {
    static var executable: URL { CLI.executable.deletingLastPathComponent().appendingPathComponent("rrfweb") }

    /// `rrfweb --config <file> --print-config` with only `extra` in the environment.
    func printConfig(_ yaml: String, environment extra: [String: String] = [:]) throws -> ProcessRun {
        try withScratchFolder { scratch in
            let file = try scratch.file("rrfweb.yaml", yaml)
            return try ProcessRun(Self.executable.path, ["--config", file.path, "--print-config"],
                                  environment: ["PATH": "/usr/bin:/bin"].merging(extra) { _, new in new })
        }
    }

    @Test func anUnknownKeyIsRefusedByName() throws {
        let run = try printConfig("port: 8081\nlisten_port: 8082\n")
        #expect(run.status == 78, "\(run.output)")
        #expect(run.output.contains("\"listen_port\" is not a setting of rrfweb"), "\(run.output)")
    }

    @Test func theDocumentedExampleIsAcceptedAndPrintedWithThePasswordRedacted() throws {
        let example = try String(contentsOf: checkoutRoot.appendingPathComponent("deploy/rrfweb.yaml.example"), encoding: .utf8)
        let run = try printConfig(example, environment: [
            "DATABASE_URL": "postgresql://rrf_app:pw-Kd72-not-shown@db.internal/rrf", "RRFWEB_SIGN_IN_LIMIT": "25",
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect(!run.output.contains("not-shown"), "\(run.output)")
        for line in ["database_url: postgresql://rrf_app:(redacted)@db.internal/rrf", "host: 127.0.0.1", "port: 8080",
                     "store_threads: 8", "sign_in_attempts_per_minute: 10", "iati_org_ref: XM-RRF"] {
            #expect(run.output.contains(line), "missing \(line): \(run.output)")
        }
    }
}
