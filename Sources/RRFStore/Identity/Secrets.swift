import Crypto
import Foundation

/// Random secrets and the hashes kept of them: tokens, links and recovery codes are stored only as SHA-256.
enum Secrets {
    /// `count` random bytes from the system's cryptographic generator.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A new bearer secret with a readable prefix (`rrf_…`, `rrfi_…`): 32 random bytes, base64url.
    static func token(prefix: String) -> String {
        prefix + Data(randomBytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of a secret, the only form in which it is stored and looked up.
    static func hash(_ secret: String) -> Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    /// Ten recovery codes like `7kq2-m9xd-4hpt` (60 bits each), from an alphabet without look-alikes.
    static func recoveryCodes() -> [String] {
        let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
        return (0..<10).map { _ in
            let characters = randomBytes(12).map { alphabet[Int($0) % alphabet.count] }
            return stride(from: 0, to: 12, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
        }
    }

    /// A recovery code as typed: lower case, without spaces or dashes, so `7KQ2 M9XD 4HPT` matches.
    static func normalisedRecoveryCode(_ typed: String) -> String {
        let compact = typed.lowercased().filter { $0.isLetter || $0.isNumber }
        guard compact.count == 12 else { return compact }
        let characters = Array(compact)
        return stride(from: 0, to: 12, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }
}
