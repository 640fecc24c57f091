/// Arrays travel as PostgreSQL array literals (`{"a","b",NULL}`), so `= ANY($1)` and `unnest($1::text[])`
/// take a whole Swift array as one parameter. Every element is quoted and escaped; NULL elements are `NULL`.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(PostgresArrayLiteral.encode(map { $0 as (any PostgresEncodable)? })) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// Only meaningful as an array element; a top-level `nil` parameter is sent as SQL NULL by the connection.
    public var postgresParameter: PostgresParameter {
        switch self {
        case .some(let value): value.postgresParameter
        case .none: .text("NULL")
        }
    }
}

enum PostgresArrayLiteral {
    static func encode(_ elements: [(any PostgresEncodable)?]) -> String {
        var literal = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { literal += "," }
            guard let element, !isNullOptional(element) else {
                literal += "NULL"
                continue
            }
            literal += "\""
            for character in text(of: element.postgresParameter) {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.append(character)
            }
            literal += "\""
        }
        return literal + "}"
    }

    private static func isNullOptional(_ value: any PostgresEncodable) -> Bool {
        (value as? any OptionalProtocol)?.isNone ?? false
    }

    private static func text(of parameter: PostgresParameter) -> String {
        switch parameter {
        case .text(let text): text
        case .binary(let bytes, _): "\\x" + bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        }
    }
}

private protocol OptionalProtocol { var isNone: Bool { get } }
extension Optional: OptionalProtocol {
    var isNone: Bool { self == nil }
}
