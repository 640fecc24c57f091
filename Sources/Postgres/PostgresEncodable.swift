import Foundation

/// A parameter value as sent to the server: text (the server infers its type from the statement) or
/// binary with an explicit type (used for `bytea`, so arbitrary bytes travel unchanged).
public enum PostgresParameter: Sendable, Equatable {
    case text(String)
    case binary([UInt8], typeOID: UInt32)
}

/// A Swift value that can be bound to a `$n` placeholder.
public protocol PostgresEncodable: Sendable {
    var postgresParameter: PostgresParameter { get }
}

extension String: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(self) }
}

extension Substring: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int64: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int32: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int16: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Int: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Double: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self)) }
}

extension Bool: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(self ? "t" : "f") }
}

extension UUID: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(uuidString.lowercased()) }
}

extension Data: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .binary([UInt8](self), typeOID: PostgresType.bytea) }
}

extension Date: PostgresEncodable {
    /// Sent as an ISO timestamp with microseconds in UTC, e.g. `2026-11-22 15:58:22.123456+00`.
    public var postgresParameter: PostgresParameter { .text(Timestamp.format(self)) }
}

/// A `Codable` value stored as `json`/`jsonb`.
public struct JSONValue<Value: Codable & Sendable>: PostgresEncodable, PostgresDecodable, Sendable {
    public var value: Value

    public init(_ value: Value) { self.value = value }

    public var postgresParameter: PostgresParameter {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a Codable value to JSON only fails for non-finite floats, which callers never store.
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return .text(String(decoding: data, as: UTF8.self))
    }

    public init(postgresText text: String, type: UInt32) throws {
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw PostgresError(.decoding, "JSON does not decode as \(Value.self): \(error)")
        }
    }
}

/// Type OIDs the client refers to.
public enum PostgresType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
}
