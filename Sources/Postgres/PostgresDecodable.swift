import Foundation

/// A Swift value that can be read from a result column in text format.
public protocol PostgresDecodable {
    /// Decodes the server's text representation of a non-NULL value of type `type` (an OID).
    init(postgresText text: String, type: UInt32) throws
}

extension String: PostgresDecodable {
    public init(postgresText text: String, type: UInt32) throws { self = text }
}

extension Int64: PostgresDecodable {
    public init(postgresText text: String, type: UInt32) throws {
        guard let value = Int64(text) else { throw PostgresError.cannotDecode(text, as: "Int64") }
        self = value
    }
}

extension Int32: PostgresDecodable {
    public init(postgresText text: String, type: UInt32) throws {
        guard let value = Int32(text) else { throw PostgresError.cannotDecode(text, as: "Int32") }
        self = value
    }
}

extension Int16: PostgresDecodable {
    public init(postgresText text: String, type: UInt32) throws {
        guard let value = Int16(text) else { throw PostgresError.cannotDecode(text, as: "Int16") }
        self = value
    }
}

extension Int: PostgresDecodable {
    public init(postgresText text: String, type: UInt32) throws {
        guard let value = Int(text) else { throw PostgresError.cannotDecode(text, as: "Int") }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresText text: String, type: UInt32) throws {
        guard let value = Double(text) else { throw PostgresError.cannotDecode(text, as: "Double") }
        self = value
    }
}

extension Bool: PostgresDecodable {
    public init(postgresText text: String, type: UInt32) throws {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresError.cannotDecode(text, as: "Bool")
        }
    }
}

extension UUID: PostgresDecodable {
    /// Decodes the server's form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits of either case) in one pass:
    /// `UUID(uuidString:)` goes through `sscanf`, which was a tenth of a 10,000-line ranking's client time.
    public init(postgresText text: String, type: UInt32) throws {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var text = text
        let parsed = text.withUTF8 { utf8 in
            withUnsafeMutableBytes(of: &bytes) { output in
                guard utf8.count == 36 else { return false }
                var count = 0, offset = 0
                while offset < 36 {
                    if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                        guard utf8[offset] == UInt8(ascii: "-") else { return false }
                        offset += 1
                        continue
                    }
                    guard let high = Data.hexValue(utf8[offset]), let low = Data.hexValue(utf8[offset + 1]) else { return false }
                    output[count] = high << 4 | low
                    count += 1
                    offset += 2
                }
                return true
            }
        }
        guard parsed else { throw PostgresError.cannotDecode(text, as: "UUID") }
        self = UUID(uuid: bytes)
    }
}

extension Data: PostgresDecodable {
    /// Decodes `bytea` in the server's hex output format (`\x0a1b…`).
    public init(postgresText text: String, type: UInt32) throws {
        var utf8 = text.utf8[...]
        guard utf8.starts(with: "\\x".utf8) else { throw PostgresError.cannotDecode(String(text.prefix(20)), as: "Data (hex bytea)") }
        utf8 = utf8.dropFirst(2)
        guard utf8.count % 2 == 0 else { throw PostgresError.cannotDecode("odd-length hex", as: "Data") }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var high: UInt8?
        for char in utf8 {
            guard let nibble = Self.hexValue(char) else { throw PostgresError.cannotDecode("non-hex byte", as: "Data") }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        self = Data(bytes)
    }

    static func hexValue(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Date: PostgresDecodable {
    /// Decodes `timestamptz` (and `timestamp`, read as UTC) in ISO style; every connection sets
    /// `TimeZone=UTC` and `DateStyle=ISO, YMD`.
    public init(postgresText text: String, type: UInt32) throws {
        guard let date = Timestamp.parse(text) else { throw PostgresError.cannotDecode(text, as: "Date") }
        self = date
    }
}

extension PostgresError {
    static func cannotDecode(_ text: String, as typeName: String) -> PostgresError {
        PostgresError(.decoding, "cannot read the value '\(text.prefix(60))' as \(typeName)")
    }
}
