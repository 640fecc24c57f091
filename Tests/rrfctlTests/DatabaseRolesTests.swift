import Foundation
import Postgres
import RRFTestSupport
import Testing

/// Issue 18 item 4: deploy/roles.sql applied as a superuser, the migrations run as the owner, the demo story
/// played as the application role, and each role refused what it may not do. Needs the tests' own cluster
/// (it connects as each role without a password), so it is skipped against a given RRF_TEST_DATABASE_URL.
@Suite struct DatabaseRolesTests {
    static var cluster: ThrowawayCluster? { (try? TestServer.shared.get())?.cluster }

    /// `sql` as `role` on `database`; the SQLSTATE of its refusal, nil when it succeeded.
    func refusal(of sql: String, as role: String, on database: String, cluster: ThrowawayCluster) -> String? {
        do {
            let connection = try Connection(PostgresConfiguration(connectionString: url(role, database, cluster)))
            defer { connection.close() }
            try connection.execute(sql)
            return nil
        } catch let error as PostgresError {
            return error.sqlState ?? "?"
        } catch {
            return "?"
        }
    }

    func url(_ role: String, _ database: String, _ cluster: ThrowawayCluster) -> String {
        cluster.connectionURL(database: database).replacingOccurrences(of: "://\(cluster.superuser)@", with: "://\(role)@")
    }

    @Test(.enabled(if: cluster != nil)) func eachRoleDoesItsPartAndIsRefusedTheRest() throws {
        let cluster = try #require(Self.cluster)
        let database = "rrf_roles_\(UInt32.random(in: 0...UInt32.max))"
        defer {
            if let admin = try? Connection(cluster.configuration()) { try? admin.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)"); admin.close() }
        }
        // 1. The roles and the database, as deploy/roles.sql is run on a server (twice: it is safe to run again).
        let roles = TestServer.schemaDirectory.deletingLastPathComponent().appendingPathComponent("deploy/roles.sql").path
        for _ in 0..<2 {
            let psql = try Offline.run([cluster.connectionURL(), "-v", "database=\(database)", "-q", "-f", roles], program: "psql")
            #expect(psql.status == 0, "\(psql.stderr)")
        }
        let sqlDirectory = ["RRF_SQL_DIR": TestServer.schemaDirectory.path]
        // 2. The application role cannot migrate; the owner can.
        let asApp = try Offline.run(["db", "migrate", "--database-url", url("rrf_app", database, cluster)], environment: sqlDirectory)
        #expect(asApp.status == 6, "\(asApp.stderr)")
        #expect(asApp.stderr.contains("run `rrfctl db migrate` as the owner role"), "\(asApp.stderr)")
        let migrated = try Offline.run(["db", "migrate", "--database-url", url("rrf_owner", database, cluster)], environment: sqlDirectory)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        // 3. The whole demo story as the application role (its own migrate finds the schema current).
        let demo = try Offline.run(
            ["demo", "--database-url", url("rrf_app", database, cluster), "--i-understand-this-writes-demo-data"], environment: sqlDirectory
        )
        #expect(demo.status == 0, "\(demo.stderr.suffix(2000))")
        let verified = try Offline.run(["audit", "verify", "--database-url", url("rrf_app", database, cluster)], environment: sqlDirectory)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")

        // 4. What each role is refused (42501: insufficient privilege; P0001 raised by the append-only triggers).
        let app: [(String, Set<String>)] = [
            ("INSERT INTO audit_events (stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash) VALUES ('x', 1, 't', 'a', now(), '{}', '', '')", ["42501"]),
            ("UPDATE audit_events SET payload = '{}'", ["42501"]),
            ("DELETE FROM audit_events", ["42501"]),
            ("UPDATE ledger_entries SET amount_minor = amount_minor", ["42501"]),
            ("DELETE FROM ledger_transactions", ["42501"]),
            ("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'x', 'x')", ["42501"]),
            ("CREATE TABLE forged (id int)", ["42501"]),
            ("DROP TABLE proposals", ["42501"]),
            ("ALTER TABLE audit_events DISABLE TRIGGER ALL", ["42501"]),
            ("SET session_replication_role = replica", ["42501"]),
        ]
        for (sql, expected) in app {
            let code = refusal(of: sql, as: "rrf_app", on: database, cluster: cluster)
            #expect(code.map(expected.contains) == true, "rrf_app: \(sql) → \(code ?? "allowed")")
        }
        let reporting: [String] = [
            "INSERT INTO organisations (code, name, country) VALUES ('X', 'X', 'KE')",
            "SELECT password_hash FROM user_credentials",
            "SELECT totp_secret FROM user_credentials",
            "SELECT token_hash FROM access_tokens",
            "SELECT body FROM notifications",
            "SELECT audit_append('x', 't', 'a', 0, '{}')",
        ]
        for sql in reporting {
            let code = refusal(of: sql, as: "rrf_read", on: database, cluster: cluster)
            #expect(code == "42501", "rrf_read: \(sql) → \(code ?? "allowed")")
        }
        // Reporting reads the whole fund (row-level security confines only the application's callers).
        let reader = try Connection(PostgresConfiguration(connectionString: url("rrf_read", database, cluster)))
        defer { reader.close() }
        #expect(try reader.query("SELECT count(*)::int AS n FROM proposals").single().decode("n", as: Int.self) > 0)
        #expect(try reader.query("SELECT count(*)::int AS n FROM grants").single().decode("n", as: Int.self) > 0)
        #expect(try reader.query("SELECT count(*)::int AS n FROM ledger_entries").single().decode("n", as: Int.self) > 0)
    }
}
