import Foundation
import Postgres
import RRFTestSupport
import Testing

/// `deploy/install.sh` into a temporary prefix (under the build folder) with the built binaries; the installed
/// `rrfctl`, found through a PATH that holds only the prefix and the system folders and run from `/`, finds the
/// installed schema (never the checkout's) and migrates a database; `--uninstall` removes what was installed.
@Suite(.serialized) struct InstallTests {
    static let installer = checkoutRoot.appendingPathComponent("deploy/install.sh").path

    /// The versions and names of the checkout's migrations (`0001 audit_log` …).
    static func migrations() throws -> [(version: String, name: String)] {
        try FileManager.default.contentsOfDirectory(atPath: checkoutRoot.appendingPathComponent("sql").path)
            .filter { $0.hasSuffix(".sql") }.sorted().map { file in
                let stem = file.dropLast(4)
                let underscore = try #require(stem.firstIndex(of: "_"))
                return (version: String(stem[..<underscore]), name: String(stem[stem.index(after: underscore)...]))
            }
    }

    @Test func theInstalledRrfctlFromPATHMigratesAndListsTheSchema() throws {
        try withScratchFolder { scratch in try installAndRun(in: scratch) }
    }

    func installAndRun(in scratch: URL) throws {
        let prefix = scratch.appendingPathComponent("prefix")
        let binaries = CLI.executable.deletingLastPathComponent().path
        let system = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch.path]
        let install = try ProcessRun("/bin/bash", [Self.installer, "--prefix", prefix.path, "--bin-dir", binaries, "--no-activate"],
                                     environment: system)
        try #require(install.status == 0, "install.sh failed: \(install.output)")

        // The layout: rrfweb beside its templates in libexec (Bundle.module looks beside the real file), units with
        // every placeholder filled in, the schema, the manual pages.
        let files = FileManager.default
        func exists(_ path: String) -> Bool { files.fileExists(atPath: prefix.appendingPathComponent(path).path) }
        for path in ["bin/rrfctl", "bin/rrfd", "bin/rrfweb", "libexec/rrf/rrfweb", "libexec/rrf/RRF_RRFWeb.resources/Templates",
                     "share/man/man1/rrfctl.1", "share/man/man1/rrfd.1", "share/man/man1/rrfweb.1", "share/doc/rrf/operations.md",
                     "lib/sysusers.d/rrf.conf", "lib/tmpfiles.d/rrf.conf", "etc/rrf/rrf.env", "etc/rrf/migrate.env"] {
            #expect(exists(path), "\(path) is not installed")
        }
        #expect(try files.destinationOfSymbolicLink(atPath: prefix.appendingPathComponent("bin/rrfweb").path) == "../libexec/rrf/rrfweb")
        for unit in ["rrfd", "rrfweb", "rrf-migrate"] {
            let text = try String(contentsOf: prefix.appendingPathComponent("lib/systemd/system/\(unit).service"), encoding: .utf8)
            #expect(text.range(of: "@[A-Z]+@", options: .regularExpression) == nil, "\(unit).service keeps a placeholder")
            #expect(text.contains("\(prefix.path)/bin/"), "\(unit).service does not start the installed binary")
        }
        let migrations = try Self.migrations()
        #expect(try files.contentsOfDirectory(atPath: prefix.appendingPathComponent("share/rrf/sql").path).count == migrations.count)

        // Through PATH (the installed copy) and through a symlink in another folder: argv[0] is only "rrfctl".
        let links = scratch.appendingPathComponent("links")
        try files.createDirectory(at: links, withIntermediateDirectories: true)
        try files.createSymbolicLink(atPath: links.appendingPathComponent("rrfctl").path, withDestinationPath: prefix.appendingPathComponent("bin/rrfctl").path)
        try withTestDatabase(migrated: false) { db in
            func rrfctl(_ arguments: String..., through folder: URL) throws -> ProcessRun {
                var environment = system
                environment["PATH"] = "\(folder.path):/usr/bin:/bin"
                environment["DATABASE_URL"] = db.configuration.connectionURL
                return try ProcessRun("/usr/bin/env", ["rrfctl"] + arguments, environment: environment, in: URL(fileURLWithPath: "/"))
            }
            let migrate = try rrfctl("db", "migrate", through: prefix.appendingPathComponent("bin"))
            #expect(migrate.status == 0, "rrfctl db migrate from PATH: \(migrate.output)")
            #expect(migrate.output.contains("\(migrations.count) migrations applied."), "\(migrate.output)")
            for through in [prefix.appendingPathComponent("bin"), links] {
                let status = try rrfctl("db", "status", through: through)
                #expect(status.status == 0, "rrfctl db status through \(through.lastPathComponent): \(status.output)")
                let lines = status.output.split(separator: "\n")
                for migration in migrations {
                    #expect(lines.contains { $0.hasPrefix(migration.version) && $0.contains(" \(migration.name) ") && $0.contains("applied") },
                            "\(migration.version) \(migration.name) not listed as applied: \(status.output)")
                }
            }
            // The installed portal (bin/rrfweb → libexec/rrf/rrfweb) finds its templates and the schema: /healthz is 200.
            var environment = system
            environment["PATH"] = "\(prefix.path)/bin:/usr/bin:/bin"
            environment["DATABASE_URL"] = db.configuration.connectionURL
            let health = try InstalledPortal.health(environment: environment, log: scratch.appendingPathComponent("rrfweb.log"))
            #expect(health == "200 ok", "installed rrfweb: \(health)")
        }

        let uninstall = try ProcessRun("/bin/bash", [Self.installer, "--prefix", prefix.path, "--uninstall"], environment: system)
        #expect(uninstall.status == 0, "\(uninstall.output)")
        for path in ["bin/rrfctl", "bin/rrfweb", "libexec/rrf", "share/rrf", "share/man/man1/rrfctl.1", "lib/systemd/system/rrfd.service"] {
            #expect(!exists(path), "\(path) is left after --uninstall")
        }
        #expect(exists("etc/rrf/rrf.env"), "--uninstall keeps the site's configuration")
    }
}
