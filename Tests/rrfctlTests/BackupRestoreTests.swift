import Foundation
import Postgres
import RRFTestSupport
import Testing

/// docs/operations.md's backup and restore, played: a fund with history is dumped with `pg_dump --format=custom`,
/// restored with `pg_restore` into a new cluster prepared by `deploy/roles.sql`, and the restored copy
/// has every migration applied, the same audit events, and passes `rrfctl audit verify` and `ledger verify`.
/// (Checking it against signed anchors comes with issue 18's `audit verify --anchors`.)
@Suite(.serialized) struct BackupRestoreTests {
    /// The folder of `pg_dump` and `pg_restore`: `RRF_PG_BIN`, else the newest `/usr/lib/postgresql/N/bin`.
    static func clientTools() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["RRF_PG_BIN"], !explicit.isEmpty { return explicit }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = try #require(versions.compactMap(Int.init).max(), "PostgreSQL's client tools are not installed")
        return "/usr/lib/postgresql/\(newest)/bin"
    }

    static func auditEvents(on connection: Connection) throws -> Int {
        try connection.query("SELECT count(*)::int AS n FROM audit_events").single().decode("n", as: Int.self)
    }

    @Test func aDumpRestoredIntoANewClusterVerifies() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            let reference = try cli.submitProposal()
            try cli.ok("proposal", "screen", reference, "pass", as: "sec")
            let source = try db.connect()
            defer { source.close() }
            let events = try Self.auditEvents(on: source)

            try withScratchFolder { scratch in try dumpAndRestore(db, events: events, in: scratch) }
        }
    }

    /// Dumps `db`, restores it into a new cluster, and checks the copy.
    func dumpAndRestore(_ db: TestDatabase, events: Int, in scratch: URL) throws {
        let dump = scratch.appendingPathComponent("rrf.dump")
        let tools = try Self.clientTools()
        let system = ["PATH": "/usr/bin:/bin", "HOME": scratch.path]
        let dumped = try ProcessRun("\(tools)/pg_dump", ["--format=custom", "--file", dump.path, "--dbname", db.configuration.connectionURL],
                                    environment: system)
        try #require(dumped.status == 0, "pg_dump: \(dumped.output)")

        let cluster = try ThrowawayCluster.start()
        defer { cluster.stop() }
        // As docs/operations.md says: deploy/roles.sql on the new cluster (the roles and an empty database; a dump
        // holds no roles), then the dump into that database.
        let roles = try ProcessRun("\(tools)/psql", ["--no-psqlrc", "--quiet", "-v", "database=\(db.name)", "--dbname", cluster.connectionURL(),
                                                     "-f", checkoutRoot.appendingPathComponent("deploy/roles.sql").path], environment: system)
        try #require(roles.status == 0, "roles.sql: \(roles.output)")
        let restored = try ProcessRun("\(tools)/pg_restore", ["--exit-on-error", "--dbname", cluster.connectionURL(database: db.name), dump.path],
                                      environment: system)
        try #require(restored.status == 0, "pg_restore: \(restored.output)")

        let copy = try Connection(cluster.configuration(database: db.name))
        defer { copy.close() }
        #expect(try Self.auditEvents(on: copy) == events && events > 0)
        var environment = system
        environment["DATABASE_URL"] = cluster.connectionURL(database: db.name)
        for command in [["db", "status"], ["audit", "verify"], ["ledger", "verify"]] {
            let run = try ProcessRun(CLI.executable.path, command, environment: environment)
            #expect(run.status == 0, "rrfctl \(command.joined(separator: " ")) on the restored copy: \(run.output)")
            if command == ["db", "status"] { #expect(!run.output.contains("pending"), "\(run.output)") }
            if command == ["audit", "verify"] { #expect(run.output.contains("The audit log is intact"), "\(run.output)") }
        }
    }
}
