/// How to reach a PostgreSQL server.
///
/// `connectionString` may be a `postgresql://` URL or a libpq conninfo string (`host=/tmp port=5432 dbname=rrf`).
/// Anything it leaves out comes from the standard libpq environment (`PGHOST`, `PGPORT`, `PGUSER`,
/// `PGDATABASE`, `PGPASSWORD`, `PGSERVICE` …) and `~/.pgpass`: libpq itself resolves them.
public struct PostgresConfiguration: Sendable, Equatable {
    /// URL or conninfo; `nil` means "use the libpq environment only".
    public var connectionString: String?
    /// When set, overrides the database named by `connectionString` or the environment.
    public var database: String?
    /// Shown in `pg_stat_activity` unless the connection string sets `application_name`.
    public var applicationName: String

    public init(connectionString: String? = nil, database: String? = nil, applicationName: String = "rrf") {
        self.connectionString = connectionString.flatMap { $0.isEmpty ? nil : $0 }
        self.database = database
        self.applicationName = applicationName
    }

    /// A copy that targets another database on the same server.
    public func with(database: String) -> PostgresConfiguration {
        var copy = self
        copy.database = database
        return copy
    }

    /// The keyword/value pairs handed to `PQconnectdbParams` (with `expand_dbname`): the first `dbname`
    /// is expanded as a URL or conninfo; a later `dbname` is a plain database name that overrides it.
    var libpqParameters: [(String, String)] {
        var pairs: [(String, String)] = []
        if let connectionString { pairs.append(("dbname", connectionString)) }
        if let database { pairs.append(("dbname", database)) }
        pairs.append(("fallback_application_name", applicationName))
        pairs.append(("client_encoding", "UTF8"))
        return pairs
    }
}
