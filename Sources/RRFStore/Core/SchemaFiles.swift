import Foundation
import Postgres

/// Finds the folder of numbered migrations (`sql/`) that defines the RRF schema.
public enum SchemaFiles {
    /// The first of: `$RRF_SQL_DIR`; `PREFIX/share/rrf/sql` of the installed layout of `deploy/install.sh`
    /// (`<executable>/../share/rrf/sql` for `PREFIX/bin/rrfctl`, `<executable>/../../share/rrf/sql` for
    /// `PREFIX/libexec/rrf/rrfweb`);
    /// a `sql/` folder beside a `Package.swift` above the executable or the current folder (a checkout).
    /// The executable is the real file, symlinks resolved (``executableURL``), so `rrfctl` found through `PATH` or a
    /// symlink in another folder still finds the schema of its own installation.
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit = environment["RRF_SQL_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        let executable = executableURL()
        // PREFIX/bin/rrfctl and PREFIX/libexec/rrf/rrfweb (beside its templates) both use PREFIX/share/rrf/sql.
        let folder = executable.deletingLastPathComponent().standardized
        let inLibexec = folder.lastPathComponent == "rrf" && folder.deletingLastPathComponent().lastPathComponent == "libexec"
        let installed = folder.appendingPathComponent(inLibexec ? "../../share/rrf/sql" : "../share/rrf/sql").standardized
        if isMigrationFolder(installed) { return installed }
        for start in [executable.deletingLastPathComponent(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var folder = start.standardized
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("sql")
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), isMigrationFolder(candidate) {
                    return candidate
                }
                folder.deleteLastPathComponent()
            }
        }
        throw StoreError.configuration(
            "The RRF schema files (sql/) were not found. Set RRF_SQL_DIR to the sql folder of the RRF release."
        )
    }

    /// The migrator over the schema files.
    public static func migrator(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Migrator {
        try Migrator(directory: directory(environment: environment))
    }

    /// The running program's own file, symlinks resolved: `/proc/self/exe` on Linux (what `Bundle.main` reads
    /// there), else `Bundle.main.executableURL`, else the first argument made absolute against the current folder.
    /// Never `argv[0]` alone: run from `PATH` it is only the command's name.
    static func executableURL() -> URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), path.hasPrefix("/") {
            return URL(fileURLWithPath: path).resolvingSymlinksInPath()
        }
        #endif
        if let url = Bundle.main.executableURL { return url.resolvingSymlinksInPath() }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
    }

    private static func isMigrationFolder(_ url: URL) -> Bool {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return files.contains { $0.hasSuffix(".sql") }
    }
}

extension FundStore {
    /// Whether the database answers and every migration of `migrator` is applied (a health check).
    public func schemaIsCurrent(_ migrator: Migrator) throws -> Bool {
        try transaction("health", actorLogin: nil) { connection, _, _ in
            try migrator.status(on: connection).allSatisfy { $0.state == .applied }
        }
    }
}
