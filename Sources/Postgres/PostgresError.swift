/// An error from the PostgreSQL client: a failed connection, a lost connection, an error the server
/// reported (with its SQLSTATE and the fields libpq exposes), a value that could not be decoded, or misuse.
///
/// `description` is a sentence fit for a log line; callers that show errors to people map the
/// SQLSTATE / constraint to a domain message instead of showing this text.
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable, Equatable {
        /// The server could not be reached or refused the connection (wrong host, port, password …).
        case connectionFailed
        /// An established connection broke (server restart, `pg_terminate_backend`, network).
        case connectionClosed
        /// The server executed the statement and reported an error (see `sqlState`).
        case server
        /// A value in a result could not be turned into the requested Swift type.
        case decoding
        /// No connection became free in the pool in time, or a wait timed out.
        case timeout
        /// The client was used in a way it does not support (a bug in the caller).
        case misuse
    }

    public var kind: Kind
    /// The primary message (from the server when `kind == .server`).
    public var message: String
    /// Five-character SQLSTATE code, e.g. `23505` for a unique violation.
    public var sqlState: String?
    public var severity: String?
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var schema: String?
    public var table: String?
    public var column: String?
    /// The SQL text of the statement that failed (never its parameter values), for logs.
    public var query: String?

    public init(
        _ kind: Kind, _ message: String, sqlState: String? = nil, severity: String? = nil, detail: String? = nil,
        hint: String? = nil, constraint: String? = nil, schema: String? = nil, table: String? = nil,
        column: String? = nil, query: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.schema = schema
        self.table = table
        self.column = column
        self.query = query
    }

    public var description: String {
        var text = message
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        if let constraint { text += " [constraint \(constraint)]" }
        if let detail { text += " — \(detail)" }
        if let hint { text += " (hint: \(hint))" }
        if let query { text += " in: \(query.prefix(200))" }
        return text
    }

    /// True for errors after which retrying the whole transaction may succeed (40001, 40P01).
    public var isTransient: Bool {
        sqlState == SQLState.serializationFailure || sqlState == SQLState.deadlockDetected
    }

    /// True when the connection this error came from can no longer be used.
    public var isConnectionLoss: Bool {
        kind == .connectionClosed || kind == .connectionFailed
    }
}

/// SQLSTATE codes the rest of the system reacts to.
public enum SQLState {
    public static let uniqueViolation = "23505"
    public static let foreignKeyViolation = "23503"
    public static let checkViolation = "23514"
    public static let notNullViolation = "23502"
    public static let exclusionViolation = "23P01"
    public static let raiseException = "P0001"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let lockNotAvailable = "55P03"
    public static let adminShutdown = "57P01"
    public static let invalidSQLStatementName = "26000"
    public static let queryCanceled = "57014"
}
