import Foundation
import Postgres
import RRFTestSupport
import Testing

@Suite struct MigratorTests {
    /// A folder of migration `files` in `parent` (a test database's scratch folder, removed with the database).
    private func folder(_ files: [String: String], in parent: URL) throws -> URL {
        let url = parent.appendingPathComponent("rrf-migrations-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url
    }

    @Test func appliesInOrderOnceAndReportsStatus() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let url = try folder([
                "0002_second.sql": "ALTER TABLE calls ADD COLUMN title text;",
                "0001_first.sql": "CREATE TABLE calls (id int); CREATE TABLE clusters (code text);",
            ], in: database.scratchFolder)
            let migrator = try Migrator(directory: url)
            #expect(try migrator.status(on: connection).map(\.state) == [.pending, .pending])
            #expect(try migrator.migrate(on: connection).map(\.version) == [1, 2])
            #expect(try migrator.migrate(on: connection).isEmpty)
            #expect(try migrator.status(on: connection).map(\.state) == [.applied, .applied])
            #expect(try connection.query("SELECT count(*) AS n FROM schema_migrations").single().decode("n", as: Int64.self) == 2)
        }
    }

    @Test func changedAppliedFileIsRefused() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let url = try folder(["0001_first.sql": "CREATE TABLE calls (id int);"], in: database.scratchFolder)
            try Migrator(directory: url).migrate(on: connection)
            try "CREATE TABLE calls (id bigint);".write(to: url.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
            let changed = try Migrator(directory: url)
            #expect(try changed.status(on: connection).map(\.state) == [.changed])
            let error = #expect(throws: PostgresError.self) { try changed.migrate(on: connection) }
            #expect(error?.message.contains("was changed after it was applied") == true)
        }
    }

    @Test func failingMigrationLeavesNothingBehind() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let url = try folder(["0001_broken.sql": "CREATE TABLE half (id int); SELECT no_such_function();"], in: database.scratchFolder)
            #expect(throws: PostgresError.self) { try Migrator(directory: url).migrate(on: connection) }
            #expect(try connection.query("SELECT to_regclass('half') IS NULL AS gone").single().decode("gone", as: Bool.self))
        }
    }

    @Test func concurrentMigrationsApplyEachFileOnce() throws {
        try withTestDatabase(migrated: false) { database in
            let url = try folder([
                "0001_first.sql": "CREATE TABLE calls (id int);",
                "0002_second.sql": "CREATE TABLE proposals (id int); SELECT pg_sleep(0.1);",
                "0003_third.sql": "CREATE TABLE grants (id int);",
            ], in: database.scratchFolder)
            let migrator = try Migrator(directory: url)
            let errors = ErrorCollector()
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    let connection = try database.connect()
                    try migrator.migrate(on: connection)
                } catch { errors.add(error) }
            }
            #expect(errors.all.isEmpty)
            let connection = try database.connect()
            #expect(try connection.query("SELECT count(*) AS n FROM schema_migrations").single().decode("n", as: Int64.self) == 3)
        }
    }

    @Test func badFileNameIsRefused() throws {
        try withScratchFolder { scratch in
            let url = try folder(["first.sql": "SELECT 1;"], in: scratch)
            #expect(throws: PostgresError.self) { try Migrator(directory: url) }
        }
    }
}
