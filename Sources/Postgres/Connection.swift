import CLibPQ
import Foundation
import Synchronization

/// One connection to PostgreSQL over libpq.
///
/// libpq calls block, so a `Connection` belongs to one thread at a time: it is handed between threads by
/// `ConnectionPool` or owned by a dedicated worker thread, and never used from Swift's cooperative pool.
/// Using it from two threads at once is detected and refused with a `.misuse` error.
/// Every `PGresult` is cleared before a call returns, and the `PGconn` is finished by `close()` or `deinit`.
public final class Connection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private let busy = Atomic<Bool>(false)
    /// SQL text → name of the statement prepared for it on this connection.
    private var preparedStatements: [String: String] = [:]

    public let configuration: PostgresConfiguration

    /// Opens a connection; throws `.connectionFailed` with libpq's explanation when the server is
    /// unreachable or refuses the credentials.
    public init(_ configuration: PostgresConfiguration = PostgresConfiguration()) throws {
        self.configuration = configuration
        let pairs = configuration.libpqParameters
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        var keywordPointers = keywords.map { UnsafePointer<CChar>($0) } + [nil]
        var valuePointers = values.map { UnsafePointer<CChar>($0) } + [nil]
        handle = PQconnectdbParams(&keywordPointers, &valuePointers, 1)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let reason = handle.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(handle)
            self.handle = nil
            throw PostgresError.connectFailure(reason)
        }
        // Server notices (e.g. "there is no transaction in progress") are not for the terminal.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        // Fixed text formats that the decoders rely on.
        try execute("SET TIME ZONE 'UTC'")
        try execute("SET DateStyle TO 'ISO, YMD'")
    }

    deinit {
        PQfinish(handle)
    }

    /// Closes the connection; later calls fail with `.connectionClosed`.
    public func close() {
        try? withExclusiveUse {
            PQfinish(handle)
            handle = nil
            preparedStatements.removeAll()
        }
    }

    /// False once the connection was closed or broke.
    public var isUsable: Bool {
        (try? withExclusiveUse { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }) ?? false
    }

    /// True inside `BEGIN … COMMIT/ROLLBACK` (also when the transaction already failed).
    public var isInTransaction: Bool {
        (try? withExclusiveUse {
            guard let handle else { return false }
            let status = PQtransactionStatus(handle)
            return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
        }) ?? false
    }

    /// The server process id serving this connection (for `pg_terminate_backend`, logs).
    public var backendPID: Int32 {
        (try? withExclusiveUse { handle.map { PQbackendPID($0) } ?? 0 }) ?? 0
    }

    // MARK: Statements

    /// Runs one statement with `$1 … $n` parameters through `PQexecParams` (no plan is kept).
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> QueryResult {
        try withExclusiveUse {
            let handle = try liveHandle(for: sql)
            try refuseNUL(in: parameters, sql: sql)
            let result = ParameterBuffer(parameters).withArrays { count, types, values, lengths, formats in
                PQexecParams(handle, sql, count, types, values, lengths, formats, 0)
            }
            return try consume(result, sql: sql)
        }
    }

    /// Runs one statement through a prepared statement cached on this connection (prepared on first use),
    /// for statements run many times.
    @discardableResult
    public func queryPrepared(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> QueryResult {
        try withExclusiveUse {
            do {
                return try runPrepared(sql, parameters)
            } catch let error as PostgresError where error.sqlState == SQLState.invalidSQLStatementName {
                // The server forgot it (e.g. DISCARD ALL); prepare again once.
                preparedStatements[sql] = nil
                return try runPrepared(sql, parameters)
            }
        }
    }

    /// Runs a statement without parameters, discarding rows. For fixed SQL only.
    public func execute(_ sql: String) throws {
        try query(sql)
    }

    /// Runs a script of several statements (a migration file) with the simple query protocol.
    /// Scripts are trusted files from the repository, never user input.
    public func executeScript(_ sql: String) throws {
        try withExclusiveUse {
            let handle = try liveHandle(for: sql)
            // PQexec returns the last statement's result; the first failing statement aborts the script.
            _ = try consume(PQexec(handle, sql), sql: String(sql.prefix(200)))
        }
    }

    /// Number of statements prepared on this connection (for tests and diagnostics).
    public var preparedStatementCount: Int { preparedStatements.count }

    /// Quotes an identifier (a channel, database or role name) the way the server expects, so a name
    /// can never break out of its place in a statement.
    public func quoteIdentifier(_ identifier: String) throws -> String {
        try withExclusiveUse {
            let handle = try liveHandle(for: "quote identifier")
            guard let quoted = PQescapeIdentifier(handle, identifier, identifier.utf8.count) else {
                throw PostgresError(.misuse, "cannot quote identifier: \(String(cString: PQerrorMessage(handle)))")
            }
            defer { PQfreemem(quoted) }
            return String(cString: quoted)
        }
    }

    // MARK: Internals shared with the extensions in this module

    /// Runs `body` while no other thread uses this connection.
    func withExclusiveUse<T>(_ body: () throws -> T) throws -> T {
        guard !busy.exchange(true, ordering: .acquiring) else {
            throw PostgresError(.misuse, "a connection was used by two threads at once")
        }
        defer { busy.store(false, ordering: .releasing) }
        return try body()
    }

    /// libpq passes text as C strings: a NUL would silently cut the value short, so it is refused.
    private func refuseNUL(in parameters: [(any PostgresEncodable)?], sql: String) throws {
        for (position, parameter) in parameters.enumerated() {
            if case .text(let text)? = parameter?.postgresParameter, text.utf8.contains(0) {
                throw PostgresError(.misuse, "parameter $\(position + 1) contains a NUL character, which PostgreSQL text cannot hold", query: sql)
            }
        }
    }

    func liveHandle(for sql: String) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(.connectionClosed, "the connection was closed", query: sql)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError.connectionLost(handle, query: sql)
        }
        return handle
    }

    private func runPrepared(_ sql: String, _ parameters: [(any PostgresEncodable)?]) throws -> QueryResult {
        let handle = try liveHandle(for: sql)
        try refuseNUL(in: parameters, sql: sql)
        let name: String
        if let existing = preparedStatements[sql] {
            name = existing
        } else {
            name = "rrf_\(preparedStatements.count + 1)"
            _ = try consume(PQprepare(handle, name, sql, 0, nil), sql: sql)
            preparedStatements[sql] = name
        }
        let result = ParameterBuffer(parameters).withArrays { count, _, values, lengths, formats in
            PQexecPrepared(handle, name, count, values, lengths, formats, 0)
        }
        return try consume(result, sql: sql)
    }

    /// Copies a result into Swift values and clears it; turns an error result into `PostgresError`.
    private func consume(_ result: OpaquePointer?, sql: String) throws -> QueryResult {
        guard let result else {
            guard let handle else { throw PostgresError(.connectionClosed, "the connection was closed", query: sql) }
            throw PostgresError.connectionLost(handle, query: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return QueryResult(copying: result)
        default:
            var error = PostgresError(result: result, query: sql)
            if let handle, PQstatus(handle) != CONNECTION_OK {
                error.kind = .connectionClosed
                error.message = "the connection to PostgreSQL was lost: \(error.message)"
            }
            throw error
        }
    }
}

extension QueryResult {
    /// Copies every value of `result` (text format) into Swift.
    init(copying result: OpaquePointer) {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        var columns: [Column] = []
        columns.reserveCapacity(Int(columnCount))
        for column in 0..<columnCount {
            columns.append(Column(name: String(cString: PQfname(result, column)), typeOID: PQftype(result, column)))
        }
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() where index[column.name] == nil {
            index[column.name] = position
        }
        var rows: [Row] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                values.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(Row(columns: columns, index: index, values: values))
        }
        self.init(columns: columns, rows: rows, affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
    }
}

extension PostgresError {
    /// An error result's fields.
    init(result: OpaquePointer, query: String) {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        self.init(
            .server,
            field("M") ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines),
            sqlState: field("C"), severity: field("V"), detail: field("D"), hint: field("H"),
            constraint: field("n"), schema: field("s"), table: field("t"), column: field("c"), query: query
        )
    }

    static func connectionLost(_ handle: OpaquePointer, query: String?) -> PostgresError {
        let reason = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(
            .connectionClosed,
            "the connection to PostgreSQL was lost" + (reason.isEmpty ? "" : ": \(reason)"),
            query: query
        )
    }

    static func connectFailure(_ libpqMessage: String) -> PostgresError {
        // libpq's lines ("…failed: No such file or directory", "\tIs the server running…?") as sentences.
        let reason = libpqMessage.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { $0.last.map { ".?!:".contains($0) } == true ? $0 : $0 + "." }
            .joined(separator: " ")
        let hint: String
        if reason.contains("password authentication failed") || reason.contains("no password supplied") {
            hint = "Check the user and password in DATABASE_URL, PGUSER/PGPASSWORD or ~/.pgpass."
        } else if reason.contains("does not exist") {
            hint = "Check the database name, or create it first."
        } else {
            hint = "Check that PostgreSQL is running and that DATABASE_URL (or PGHOST/PGPORT) points at it."
        }
        return PostgresError(.connectionFailed, "cannot connect to PostgreSQL: \(reason)", hint: hint)
    }
}

/// C arrays for `PQexecParams`/`PQexecPrepared`, alive for the duration of one call.
private struct ParameterBuffer {
    let parameters: [PostgresParameter?]

    init(_ values: [(any PostgresEncodable)?]) {
        parameters = values.map { $0?.postgresParameter }
    }

    func withArrays<R>(
        _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    ) -> R {
        var storage: [UnsafeMutablePointer<CChar>?] = []
        var types: [Oid] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for parameter in parameters {
            switch parameter {
            case nil:
                storage.append(nil)
                types.append(0)
                lengths.append(0)
                formats.append(0)
            case .text(let text)?:
                storage.append(strdup(text))
                types.append(0)
                lengths.append(0)
                formats.append(0)
            case .binary(let bytes, let typeOID)?:
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
                bytes.withUnsafeBufferPointer { source in
                    source.withMemoryRebound(to: CChar.self) { chars in
                        if let base = chars.baseAddress { buffer.initialize(from: base, count: chars.count) }
                    }
                }
                storage.append(buffer)
                types.append(typeOID)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        defer {
            for (pointer, parameter) in zip(storage, parameters) {
                if case .binary? = parameter { pointer?.deallocate() } else { free(pointer) }
            }
        }
        let values = storage.map { UnsafePointer<CChar>($0) }
        return types.withUnsafeBufferPointer { types in
            values.withUnsafeBufferPointer { values in
                lengths.withUnsafeBufferPointer { lengths in
                    formats.withUnsafeBufferPointer { formats in
                        body(Int32(parameters.count), types.baseAddress, values.baseAddress, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }
}
