import HummingbirdBcrypt

/// Passwords are stored as bcrypt hashes (hummingbird-auth's implementation), cost 12 (about a quarter of a
/// second per check on the fund's servers, OWASP's recommendation is at least 10).
enum PasswordHash {
    static let cost: UInt8 = 12

    static func make(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }

    static func matches(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }

    /// A hash of a random value nobody knows, checked for an unknown login so that its answer takes as long as a
    /// real one.
    static let decoy = Bcrypt.hash(Secrets.token(prefix: ""), cost: cost)
}
