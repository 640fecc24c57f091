/// The rows a statement returned, copied out of libpq (the `PGresult` is already cleared).
public struct QueryResult: Sendable, Sequence {
    /// A result column: its name and type OID.
    public struct Column: Sendable, Equatable {
        public let name: String
        public let typeOID: UInt32
    }

    public let columns: [Column]
    public let rows: [Row]
    /// Rows inserted, updated, deleted … as reported by the command tag (0 when not applicable).
    public let affectedRows: Int

    public var count: Int { rows.count }
    public var isEmpty: Bool { rows.isEmpty }
    public var first: Row? { rows.first }

    public func makeIterator() -> IndexingIterator<[Row]> { rows.makeIterator() }

    /// The single row of a statement that must return exactly one.
    public func single() throws -> Row {
        guard rows.count == 1 else {
            throw PostgresError(.misuse, "expected exactly one row, got \(rows.count)")
        }
        return rows[0]
    }
}

/// One result row. Read values with `decode(_:as:)` by column name or index.
///
/// The decoding methods are inlinable so that each call site gets a specialised copy: a generic call across the
/// module boundary looked up type metadata per value (a tenth of a 10,000-line ranking's client time).
public struct Row: Sendable {
    @usableFromInline let columns: [QueryResult.Column]
    @usableFromInline let index: [String: Int]
    /// Values in text format; `nil` is SQL NULL.
    public let values: [String?]

    /// Decodes a non-NULL column; NULL is an error.
    @inlinable public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try decode(position(of: column), as: type)
    }

    /// Decodes a column that may be NULL.
    @inlinable public func decode<T: PostgresDecodable>(_ column: String, as type: T?.Type = T?.self) throws -> T? {
        try decode(position(of: column), as: type)
    }

    @inlinable public func decode<T: PostgresDecodable>(_ position: Int, as type: T.Type = T.self) throws -> T {
        guard let value = try decode(position, as: T?.self) else {
            throw PostgresError(.decoding, "column \(columns[position].name) is NULL where a \(T.self) was expected")
        }
        return value
    }

    @inlinable public func decode<T: PostgresDecodable>(_ position: Int, as type: T?.Type = T?.self) throws -> T? {
        guard values.indices.contains(position) else {
            throw PostgresError(.misuse, "the result has no column at position \(position)")
        }
        guard let text = values[position] else { return nil }
        do {
            return try T(postgresText: text, type: columns[position].typeOID)
        } catch var error as PostgresError {
            error.message += " (column \(columns[position].name))"
            throw error
        }
    }

    /// True when the named column is SQL NULL.
    public func isNull(_ column: String) throws -> Bool { values[try position(of: column)] == nil }

    @usableFromInline func position(of column: String) throws -> Int {
        guard let position = index[column] else {
            throw PostgresError(.misuse, "the result has no column named \(column)")
        }
        return position
    }
}
