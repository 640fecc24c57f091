import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 on RFC 4226's HOTP): HMAC-SHA1, 30-second steps, 6 digits, the
/// parameters every authenticator app reads from an `otpauth://` URI. Public so that the demo and the tests
/// can play a person's authenticator app.
public struct OneTimePassword: Sendable {
    /// The shared seed (20 random bytes).
    let secret: [UInt8]
    static let step: TimeInterval = 30
    static let digits = 6

    /// A new random seed.
    static func generate() -> OneTimePassword { OneTimePassword(secret: Secrets.randomBytes(20)) }

    /// The seed as stored and shown: RFC 4648 base32 without padding.
    var base32: String { Base32.encode(secret) }

    /// The seed read back from base32; nil when it is not base32.
    public init?(base32: String) {
        guard let bytes = Base32.decode(base32), !bytes.isEmpty else { return nil }
        secret = bytes
    }

    init(secret: [UInt8]) { self.secret = secret }

    /// The time step that `date` falls in.
    static func timeStep(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / step).rounded(.down)) }

    /// The code an authenticator app shows at `date`.
    public func code(at date: Date) -> String { code(step: Self.timeStep(date)) }

    /// The code of one time step.
    func code(step counter: Int64) -> String {
        var bigEndian = UInt64(bitPattern: counter).bigEndian
        let message = withUnsafeBytes(of: &bigEndian) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let code = String(value % 1_000_000)
        return String(repeating: "0", count: Self.digits - code.count) + code
    }

    /// The time step whose code `typed` is, within one step either side of `now` (clock drift), after `lastUsed`
    /// (a code is accepted once); nil when it matches none.
    func matchingStep(_ typed: String, at now: Date, after lastUsed: Int64?) -> Int64? {
        let digits = typed.filter { !$0.isWhitespace }
        guard digits.count == Self.digits, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        let current = Self.timeStep(now)
        for counter in (current - 1)...(current + 1) where counter > (lastUsed ?? .min) {
            if constantTimeEqual(code(step: counter), digits) { return counter }
        }
        return nil
    }

    /// The URI an authenticator app scans: `otpauth://totp/RRF:login?secret=…&issuer=RRF`.
    func uri(login: String, issuer: String = "RRF") -> String {
        let label = "\(issuer):\(login)".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: ":"))) ?? login
        return "otpauth://totp/\(label)?secret=\(base32)&issuer=\(issuer)&algorithm=SHA1&digits=\(Self.digits)&period=\(Int(Self.step))"
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// RFC 4648 base32 (the alphabet of `otpauth://` secrets), without padding.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}
