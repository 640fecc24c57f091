import Foundation
import Postgres
import RRFStore

/// A database of its own for one test, created from a migrated template on the shared test server.
public struct TestDatabase: Sendable {
    public let name: String
    public let configuration: PostgresConfiguration

    /// Opens a new connection to this database.
    public func connect() throws -> Connection { try Connection(configuration) }

    /// A pool over this database.
    public func pool(maximumConnections: Int = 4) -> ConnectionPool {
        ConnectionPool(configuration: configuration, maximumConnections: maximumConnections)
    }

    /// A folder of this database's own under `.build/test-scratch/` (sign-in token files, a daemon's files),
    /// removed with everything in it when the database is dropped. Whoever writes there creates it.
    public var scratchFolder: URL { scratchRoot.appendingPathComponent(name, isDirectory: true) }

    /// The path of a file `name` in this database's ``scratchFolder`` (created if need be), for a test to write.
    public func scratchFile(_ name: String) throws -> URL {
        try FileManager.default.createDirectory(at: scratchFolder, withIntermediateDirectories: true)
        return scratchFolder.appendingPathComponent(name)
    }
}

/// Runs `body` with a fresh database (migrated with `sql/` unless `migrated` is false) and drops it afterwards,
/// also when `body` throws. Uses `RRF_TEST_DATABASE_URL` when set, otherwise a throwaway cluster started once
/// per test process.
public func withTestDatabase<T>(migrated: Bool = true, _ body: (TestDatabase) throws -> T) throws -> T {
    let server = try TestServer.shared.get()
    let database = try server.createDatabase(migrated: migrated)
    defer { server.dropDatabase(database.name) }
    return try body(database)
}

/// The async variant of `withTestDatabase`.
public func withTestDatabase<T>(migrated: Bool = true, _ body: (TestDatabase) async throws -> T) async throws -> T {
    let server = try TestServer.shared.get()
    let database = try server.createDatabase(migrated: migrated)
    defer { server.dropDatabase(database.name) }
    return try await body(database)
}

/// The server the tests of this process use, and the migrated template database on it.
public final class TestServer: @unchecked Sendable {
    /// Started on first use; an error (e.g. PostgreSQL not installed) is reported by every test that needs it.
    public static let shared: Result<TestServer, any Error> = Result { try TestServer() }

    /// Superuser (or CREATEDB) settings for the server's maintenance database.
    public let adminConfiguration: PostgresConfiguration
    /// The cluster, when the tests started their own.
    public let cluster: ThrowawayCluster?
    private let templateName: String
    private let lock = NSLock()

    private init() throws {
        if let url = ProcessInfo.processInfo.environment["RRF_TEST_DATABASE_URL"], !url.isEmpty {
            cluster = nil
            adminConfiguration = PostgresConfiguration(connectionString: url, applicationName: "rrf-tests")
        } else {
            let cluster = try ThrowawayCluster.start()
            self.cluster = cluster
            adminConfiguration = cluster.configuration(applicationName: "rrf-tests")
        }
        templateName = "rrf_template_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try Connection(adminConfiguration)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(try admin.quoteIdentifier(templateName)) TEMPLATE template0 ENCODING 'UTF8'")
        let template = try Connection(adminConfiguration.with(database: templateName))
        defer { template.close() }
        try Migrator(directory: Self.schemaDirectory).migrate(on: template)
        if cluster == nil {
            // On a server the tests do not own, leave nothing behind when the test process exits.
            atexit {
                if case .success(let server) = TestServer.shared { server.dropDatabase(server.templateName) }
            }
        }
    }

    /// `sql/` of this checkout.
    public static var schemaDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql", isDirectory: true)
    }

    func createDatabase(migrated: Bool) throws -> TestDatabase {
        let name = "rrf_test_\(UUID().uuidString.prefix(8).lowercased())_\(UInt16.random(in: 0...UInt16.max))"
        // CREATE DATABASE … TEMPLATE refuses to copy while another copy of the same template is starting.
        lock.lock()
        defer { lock.unlock() }
        let admin = try Connection(adminConfiguration)
        defer { admin.close() }
        let template = migrated ? templateName : "template0"
        try admin.execute("CREATE DATABASE \(try admin.quoteIdentifier(name)) TEMPLATE \(try admin.quoteIdentifier(template))")
        return TestDatabase(name: name, configuration: adminConfiguration.with(database: name))
    }

    /// Drops the database and removes its ``TestDatabase/scratchFolder``.
    func dropDatabase(_ name: String) {
        try? FileManager.default.removeItem(at: scratchRoot.appendingPathComponent(name, isDirectory: true))
        guard let admin = try? Connection(adminConfiguration) else { return }
        defer { admin.close() }
        if let quoted = try? admin.quoteIdentifier(name) {
            try? admin.execute("DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)")
        }
    }
}

extension TestDatabase {
    /// A one-time link for `login` to set a password, written as an invitation would send it (the test plays
    /// the person who received the e-mail); returns the link's secret.
    public func invitationLink(for login: String) throws -> String {
        let link = "rrfl_test_\(UUID().uuidString)"
        let connection = try connect()
        defer { connection.close() }
        let inserted = try connection.query(
            """
            INSERT INTO credential_links (id, user_id, purpose, token_hash, created_at, expires_at)
            SELECT gen_random_uuid(), id, 'invitation', sha256(convert_to($2, 'UTF8')), now(), now() + interval '1 hour' FROM users WHERE login = $1
            """,
            [login, link]
        )
        guard inserted.affectedRows == 1 else { throw TestSupportError("no user \(login) to invite") }
        return link
    }
}

/// A step of the test support failed.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
