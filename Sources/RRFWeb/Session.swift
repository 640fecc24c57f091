import Crypto
import Foundation
import Hummingbird

/// The session cookie and the CSRF tokens of forms.
///
/// The cookie holds the session token (`HttpOnly`, `SameSite=Lax`, `Secure` behind https), which the store checks
/// on every request. A form of a signed-in page carries a CSRF token derived from the session (a page of another
/// site can read neither); the sign-in form, before any session, pairs a random cookie with its hidden field.
struct Session {
    static let cookie = "rrf_session"
    static let signInCookie = "rrf_signin"

    /// The session token of the request, if any.
    static func token(of request: Request) -> String? {
        request.cookies[cookie]?.value.nilIfEmpty
    }

    /// The CSRF token of forms for the session `token`.
    static func csrf(for token: String) -> String {
        SHA256.hash(data: Data("csrf|\(token)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether a form's `csrf` field matches the session.
    static func acceptsForm(csrf: String?, token: String) -> Bool {
        guard let csrf else { return false }
        return same(Self.csrf(for: token), csrf)
    }

    /// Whether two secrets are equal, in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        return left.count == right.count && zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A cookie of the portal.
    static func cookie(_ name: String, value: String, secure: Bool, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A random value for the sign-in form's pair.
    static func randomValue() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
