import Foundation

/// One numbered SQL file: `0001_foundation.sql` has version 1 and name `foundation`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
}

/// Where a migration stands on a database.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case applied
        case pending
        /// Applied, but the file changed since: refused until someone restores the file.
        case changed
        /// Recorded in the database, but no file has that version.
        case unknown
    }

    public let version: Int
    public let name: String
    public let state: State
    public let appliedAt: Date?
}

/// Applies numbered SQL files from a folder, in order, each in its own transaction, under an advisory lock so
/// that two processes migrating at once apply every file once. Each applied file is recorded with its
/// SHA-256 checksum (computed by the server); a changed, already-applied file is refused.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// Arbitrary constant identifying "RRF schema migration" among advisory locks.
    private static let lockKey: Int64 = 0x5252_465F_4D49_4752

    /// Reads `NNNN_name.sql` files from `directory`.
    public init(directory: URL) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PostgresError(.misuse, "cannot read the migrations folder \(directory.path): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw PostgresError(.misuse, "migration file \(file) must be named NNNN_description.sql")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        try self.init(migrations: migrations)
    }

    public init(migrations: [Migration]) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw PostgresError(.misuse, "two migrations have version \(next.version): \(previous.name) and \(next.name)")
        }
        self.migrations = sorted
    }

    /// Every known migration and every recorded one, with its state.
    public func status(on connection: Connection) throws -> [MigrationStatus] {
        let tableExists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
            .single().decode("present", as: Bool.self)
        return try compare(recorded: tableExists ? try recorded(connection) : [:], checksums: try checksums(connection))
    }

    /// Applies pending migrations; returns those applied now. Refuses to run when an applied file changed.
    @discardableResult
    public func migrate(on connection: Connection) throws -> [Migration] {
        // A current schema is left alone without any DDL, so a role that may only read it (rrf_app) can run this.
        guard try status(on: connection).contains(where: { $0.state != .applied }) else { return [] }
        let checksums = try checksums(connection)
        var applied: [Migration] = []
        for migration in migrations {
            let didApply = try connection.withTransaction { connection -> Bool in
                try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
                try ensureLedgerTable(connection)
                let states = try compare(recorded: try recorded(connection), checksums: checksums)
                if let changed = states.first(where: { $0.state == .changed }) {
                    throw PostgresError(
                        .misuse,
                        "migration \(changed.version)_\(changed.name) was changed after it was applied; restore the original file and add a new migration instead"
                    )
                }
                guard states.contains(where: { $0.version == migration.version && $0.state == .pending }) else { return false }
                try connection.executeScript(migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
                    [migration.version, migration.name, migration.sql]
                )
                return true
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    private func ensureLedgerTable(_ connection: Connection) throws {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
    }

    private struct Recorded {
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    private func recorded(_ connection: Connection) throws -> [Int: Recorded] {
        var result: [Int: Recorded] = [:]
        for row in try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations") {
            result[try row.decode("version")] = Recorded(
                name: try row.decode("name"), checksum: try row.decode("checksum"), appliedAt: try row.decode("applied_at")
            )
        }
        return result
    }

    /// The checksum of each file, computed by the same server function that recorded it.
    private func checksums(_ connection: Connection) throws -> [Int: String] {
        var result: [Int: String] = [:]
        for migration in migrations {
            result[migration.version] = try connection.queryPrepared(
                "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS checksum", [migration.sql]
            ).single().decode("checksum")
        }
        return result
    }

    private func compare(recorded: [Int: Recorded], checksums: [Int: String]) throws -> [MigrationStatus] {
        var states = migrations.map { migration -> MigrationStatus in
            guard let record = recorded[migration.version] else {
                return MigrationStatus(version: migration.version, name: migration.name, state: .pending, appliedAt: nil)
            }
            let state: MigrationStatus.State = record.checksum == checksums[migration.version] ? .applied : .changed
            return MigrationStatus(version: migration.version, name: migration.name, state: state, appliedAt: record.appliedAt)
        }
        let known = Set(migrations.map(\.version))
        for (version, record) in recorded where !known.contains(version) {
            states.append(MigrationStatus(version: version, name: record.name, state: .unknown, appliedAt: record.appliedAt))
        }
        return states.sorted { $0.version < $1.version }
    }
}
