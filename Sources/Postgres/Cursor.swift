import CLibPQ

/// One batch of rows fetched in binary format, read in place from libpq's memory by row and column index.
///
/// Valid only inside the closure of ``Connection/streamRows(_:_:batchSize:_:)`` that received it; copy what
/// must outlive it. Binary format: integers are big-endian, `text` is its UTF-8 bytes, `timestamptz` is
/// microseconds since 2000-01-01 UTC.
public struct BinaryRows: ~Copyable {
    private let result: OpaquePointer
    /// The number of rows in the batch.
    public let count: Int

    init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
    }

    /// The bytes of a value; nil for SQL NULL.
    public func bytes(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer? {
        let row = Int32(row), column = Int32(column)
        guard PQgetisnull(result, row, column) == 0, let value = PQgetvalue(result, row, column) else { return nil }
        return UnsafeRawBufferPointer(start: value, count: Int(PQgetlength(result, row, column)))
    }

    /// A `smallint`, `integer` or `bigint` value; nil for SQL NULL or a value of another width.
    public func integer(_ row: Int, _ column: Int) -> Int64? {
        guard let bytes = bytes(row, column) else { return nil }
        switch bytes.count {
        case 2: return Int64(Int16(bigEndian: bytes.loadUnaligned(as: Int16.self)))
        case 4: return Int64(Int32(bigEndian: bytes.loadUnaligned(as: Int32.self)))
        case 8: return Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
        default: return nil
        }
    }

    /// A `timestamptz` value as microseconds since 1970-01-01 UTC (`infinity` is `Int64.max`); nil for NULL.
    public func timestampMicros(_ row: Int, _ column: Int) -> Int64? {
        guard let bytes = bytes(row, column), bytes.count == 8 else { return nil }
        let since2000 = Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
        guard since2000 != .max, since2000 != .min else { return since2000 }
        return since2000 + Self.micros1970To2000
    }

    /// PostgreSQL's epoch (2000-01-01) in microseconds since 1970-01-01.
    private static let micros1970To2000: Int64 = 946_684_800_000_000
}

extension Connection {
    /// Reads every row of `sql` in one pass through a server-side cursor, `batchSize` rows at a time in binary
    /// format, handing each batch to `body`. The next batch is asked for before `body` runs, so the server
    /// produces it while `body` works on the last.
    ///
    /// Must run inside a transaction (``withTransaction(_:maxAttempts:_:)``): the cursor reads that transaction's
    /// snapshot and is closed before this returns. `body` must not use the connection.
    public func streamRows(
        _ sql: String, _ parameters: [(any PostgresEncodable)?] = [], batchSize: Int = 1000, _ body: (borrowing BinaryRows) throws -> Void
    ) throws {
        guard isInTransaction else { throw PostgresError(.misuse, "a cursor can only be read inside a transaction", query: sql) }
        guard batchSize > 0 else { throw PostgresError(.misuse, "a cursor's batch size must be positive", query: sql) }
        let cursor = "rrf_stream"
        try query("DECLARE \(cursor) NO SCROLL CURSOR FOR " + sql, parameters)
        let fetch = "FETCH \(batchSize) FROM \(cursor)"
        do {
            try fetchAll(fetch, body)
        } catch {
            // Closed on failure too, for a caller that goes on in the same transaction (fails harmlessly when it was aborted).
            try? execute("CLOSE \(cursor)")
            throw error
        }
        try execute("CLOSE \(cursor)")
    }

    /// Reads every row of `sql` through a server-side cursor, `batchSize` rows at a time in text format (decoded
    /// like any ``Row``), handing each batch to `body`, which may use the connection. Each batch costs what the
    /// first does, however deep the read, unlike a LIMIT/OFFSET walk.
    ///
    /// Must run inside a transaction; the cursor reads its snapshot and is closed before this returns.
    public func forEachBatch(
        _ sql: String, _ parameters: [(any PostgresEncodable)?] = [], batchSize: Int, _ body: ([Row]) throws -> Void
    ) throws {
        guard isInTransaction else { throw PostgresError(.misuse, "a cursor can only be read inside a transaction", query: sql) }
        guard batchSize > 0 else { throw PostgresError(.misuse, "a cursor's batch size must be positive", query: sql) }
        try query("DECLARE rrf_batches NO SCROLL CURSOR FOR " + sql, parameters)
        do {
            while true {
                let rows = try query("FETCH \(batchSize) FROM rrf_batches").rows
                if rows.isEmpty { break }
                try body(rows)
            }
        } catch {
            try? execute("CLOSE rrf_batches")
            throw error
        }
        try execute("CLOSE rrf_batches")
    }

    /// Runs `fetch` until it answers no rows, each batch's successor sent before `body` gets it.
    private func fetchAll(_ fetch: String, _ body: (borrowing BinaryRows) throws -> Void) throws {
        try withExclusiveUse {
            let handle = try liveHandle(for: fetch)
            try sendBinary(fetch, on: handle)
            var pending = true
            defer { if pending { drain(handle) } }
            while true {
                let batch = try receive(fetch, on: handle)
                pending = false
                defer { PQclear(batch) }
                guard PQntuples(batch) > 0 else { break }
                try sendBinary(fetch, on: handle)
                pending = true
                try body(BinaryRows(batch))
            }
        }
    }

    /// Sends `sql` without waiting, asking for its rows in binary format.
    private func sendBinary(_ sql: String, on handle: OpaquePointer) throws {
        guard PQsendQueryParams(handle, sql, 0, nil, nil, nil, nil, 1) == 1 else {
            throw PostgresError.connectionLost(handle, query: sql)
        }
    }

    /// The result of the statement last sent, read to its end; an error result is thrown.
    private func receive(_ sql: String, on handle: OpaquePointer) throws -> OpaquePointer {
        var first: OpaquePointer?
        while let next = PQgetResult(handle) {
            if first == nil { first = next } else { PQclear(next) }
        }
        guard let result = first else { throw PostgresError.connectionLost(handle, query: sql) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else {
            defer { PQclear(result) }
            throw PostgresError(result: result, query: sql)
        }
        return result
    }

    /// Reads and discards what a sent statement still answers, so the connection can run the next one.
    private func drain(_ handle: OpaquePointer) {
        while let next = PQgetResult(handle) { PQclear(next) }
    }
}
