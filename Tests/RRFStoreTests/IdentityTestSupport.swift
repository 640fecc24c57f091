import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// What a signed-in person's tests need: their store and the secrets they used (to look for them in logs).
struct Person {
    let login: String
    let password: String
    let store: FundStore
    let token: String
    let totp: OneTimePassword?
}

extension Fund {
    static let password = "correct horse battery staple"

    /// `login` sets a password through a one-time link and signs in (with a code of their authenticator app
    /// when the role needs one), as a person would; the link is written here as an invitation would send it.
    func person(_ login: String, channel: Channel = .cli) throws -> Person {
        let link = try database.invitationLink(for: login)
        let enrolment = try store.acceptCredentialLink(token: link, password: Self.password)
        let totp = enrolment.flatMap { OneTimePassword(base32: $0.secret) }
        let issued = try store.via(channel).signIn(login: login, password: Self.password, code: totp?.code(at: Date()))
        return Person(login: login, password: Self.password, store: store.signedIn(token: issued.secret, channel: channel), token: issued.secret, totp: totp)
    }

    /// The security log's rows for `command` (all when nil).
    func securityEvents(command: String? = nil) throws -> [(actor: String?, code: String, kind: String)] {
        let connection = try database.connect()
        defer { connection.close() }
        return try connection.query(
            "SELECT actor, code, kind FROM security_events WHERE $1::text IS NULL OR command = $1 ORDER BY id", [command]
        ).rows.map { (try $0.decode("actor"), try $0.decode("code"), try $0.decode("kind")) }
    }
}
