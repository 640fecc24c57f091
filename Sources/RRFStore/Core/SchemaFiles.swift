import Foundation
import Postgres

/// Finds the folder of numbered migrations (`sql/`) that defines the RRF schema.
public enum SchemaFiles {
    /// The first of: `$RRF_SQL_DIR`; `<executable>/../share/rrf/sql` (an installed layout);
    /// a `sql/` folder beside a `Package.swift` above the executable or the current folder (a checkout).
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit = environment["RRF_SQL_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        let installed = executable.deletingLastPathComponent().appendingPathComponent("../share/rrf/sql").standardized
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
