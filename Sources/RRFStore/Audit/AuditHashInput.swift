import Crypto
import Foundation

/// The bytes a version 2 audit hash is the SHA-256 of, built in one reused buffer straight from the fields'
/// UTF-8: the previous hash, a newline and `[id, stream, sequence, type, actor, occurred µs, recorded µs,
/// payload]`, texts written as PostgreSQL's `to_json(text)` writes them (sql/0025 `audit_event_hash`).
///
/// `to_json` escapes `"` and `\`, writes `\b \f \n \r \t` for those controls and `\u00xx` (lowercase) for the
/// other bytes below 0x20, and copies everything else. Every byte of a multibyte UTF-8 character is ≥ 0x80,
/// so escaping byte by byte writes exactly what escaping character by character writes.
struct AuditHashInput {
    private var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(4096)
    }

    /// The SHA-256 of the version 2 input of these fields.
    mutating func version2Digest<Text: Collection<UInt8>>(
        previousHash: Text, id: Int64, stream: Text, sequence: Int64, type: Text, actor: Text, occurredMicros: Int64,
        recordedMicros: Int64?, payload: Text
    ) -> SHA256.Digest {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: previousHash)
        bytes.append(contentsOf: [0x0A, 0x5B])  // "\n["
        appendDecimal(id)
        appendJSONString(stream)
        appendDecimal(sequence)
        appendJSONString(type)
        appendJSONString(actor)
        appendDecimal(occurredMicros)
        if let recordedMicros { appendDecimal(recordedMicros) } else { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C, 0x2C]) }  // "null,"
        appendJSONString(payload, last: true)
        return bytes.withUnsafeBytes { SHA256.hash(data: $0) }
    }

    /// `value` in decimal and a comma.
    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { bytes.append(0x2D) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(0x30 + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
        bytes.append(0x2C)
    }

    /// `text` as a JSON string literal the way `to_json` writes it, then a comma (or the closing `]`).
    private mutating func appendJSONString<Text: Collection<UInt8>>(_ text: Text, last: Bool = false) {
        bytes.append(0x22)
        var run = text.startIndex
        var index = run
        while index != text.endIndex {
            let byte = text[index]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                text.formIndex(after: &index)
                continue
            }
            bytes.append(contentsOf: text[run..<index])
            bytes.append(0x5C)
            switch byte {
            case 0x22, 0x5C: bytes.append(byte)
            case 0x08: bytes.append(0x62)  // b
            case 0x0C: bytes.append(0x66)  // f
            case 0x0A: bytes.append(0x6E)  // n
            case 0x0D: bytes.append(0x72)  // r
            case 0x09: bytes.append(0x74)  // t
            default: bytes.append(contentsOf: [0x75, 0x30, 0x30, Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0x0F)]])  // u00xx
            }
            text.formIndex(after: &index)
            run = index
        }
        bytes.append(contentsOf: text[run..<index])
        bytes.append(contentsOf: last ? [0x22, 0x5D] : [0x22, 0x2C])
    }

    /// Lowercase hexadecimal digits by value.
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether `hex` is exactly the lowercase hexadecimal form of `digest`, compared without building text.
    static func isLowercaseHex(_ hex: UnsafeRawBufferPointer, of digest: SHA256.Digest) -> Bool {
        guard hex.count == 2 * SHA256.Digest.byteCount else { return false }
        let digits = hexDigits
        return digest.withUnsafeBytes { digest in
            for (offset, byte) in digest.enumerated()
            where hex[2 * offset] != digits[Int(byte >> 4)] || hex[2 * offset + 1] != digits[Int(byte & 0x0F)] {
                return false
            }
            return true
        }
    }

    /// The lowercase hexadecimal form of `digest`.
    static func lowercaseHex(_ digest: SHA256.Digest) -> String {
        let digits = hexDigits
        return String(unsafeUninitializedCapacity: 2 * SHA256.Digest.byteCount) { text in
            digest.withUnsafeBytes { digest in
                for (offset, byte) in digest.enumerated() {
                    text[2 * offset] = digits[Int(byte >> 4)]
                    text[2 * offset + 1] = digits[Int(byte & 0x0F)]
                }
            }
            return 2 * SHA256.Digest.byteCount
        }
    }
}
