import Foundation
import RRFStore
import RRFWorkflow

/// A sign-in or API token as listed: never its secret.
struct APIToken: Encodable {
    let id: String
    let login: String
    /// session | api
    let kind: String
    let label: String
    /// Where it was created: web, cli or api.
    let source: String
    let createdAt: Date
    let expiresAt: Date
    let lastUsedAt: Date?
    let revokedAt: Date?

    init(_ record: AccessTokenRecord) {
        id = record.id.uuidString.lowercased()
        login = record.login
        kind = record.kind.rawValue
        label = record.label
        source = record.source
        createdAt = record.createdAt
        expiresAt = record.expiresAt
        lastUsedAt = record.lastUsedAt
        revokedAt = record.revokedAt
    }
}

/// A new API token with its secret, answered once (`POST /tokens`): the one answer that holds a secret.
struct APIIssuedToken: Encodable {
    let token: APIToken
    /// Send as `Authorization: Bearer <secret>`; it cannot be shown again.
    let secret: String

    init(_ issued: IssuedToken) {
        token = APIToken(issued.record)
        secret = issued.secret
    }
}

/// A one-time link sent to a person (never the link itself).
struct APICredentialLink: Encodable {
    let login: String
    /// invitation | password_reset
    let purpose: String
    let expiresAt: Date

    init(_ record: CredentialLinkRecord) {
        login = record.login
        purpose = record.purpose
        expiresAt = record.expiresAt
    }
}

/// One refusal of the security log: a failed sign-in, or a command refused for authorisation or by a rule.
struct APISecurityEvent: Encodable {
    let occurredAt: Date
    /// Nil when not known, e.g. a token that matches nobody.
    let actor: String?
    let command: String
    let target: String?
    /// sign_in | authorisation | rule
    let kind: String
    let code: String
    let reason: String
    /// cli | web | api | daemon
    let source: String

    init(_ event: SecurityEvent) {
        occurredAt = event.occurredAt
        actor = event.actor
        command = event.command
        target = event.target
        kind = event.kind
        code = event.code
        reason = event.reason
        source = event.source
    }
}
