import Foundation
import Notifications
import Postgres
import RRFWorkflow

/// A message the outbox holds for a person.
public struct MailboxMessage: Sendable, Equatable {
    public let subject: String
    public let body: String
    /// `pending`, `sent` or `failed`.
    public let state: String
    /// When the message was written to the outbox.
    public let createdAt: Date
}

extension FundStore {
    /// The messages the outbox holds for `login`'s e-mail address, newest first: the person's own mailbox,
    /// readable by themselves (signed in) or by trusted code (the demo reading an invitation as its person
    /// would). Administrators do not read others' mail: it holds their password links.
    public func mailbox(_ login: String, limit: Int = 50) throws -> [MailboxMessage] {
        try read("user.mailbox") { connection, viewer in
            let normalised = login.trimmingCharacters(in: .whitespaces).lowercased()
            guard viewer.login == nil || viewer.login == normalised else { throw Self.noSuchUser(login) }
            return try messages(to: normalised, limit: limit, withCredentialLinks: true, on: connection)
        }
    }

    /// The signed-in person's notifications, newest first: their mailbox without the messages that carry a
    /// password link (those stay in the e-mail only, so a borrowed session cannot take the account over).
    public func notifications(limit: Int = 50) throws -> [MailboxMessage] {
        try read("user.notifications") { connection, viewer in
            guard let login = viewer.login else { throw StoreError(.unauthenticated, code: "not_signed_in", "Notifications are a signed-in person's; sign in first.") }
            return try messages(to: login, limit: limit, withCredentialLinks: false, on: connection)
        }
    }

    private static func noSuchUser(_ login: String) -> StoreError {
        StoreError.notFound("No user has the login \"\(login)\"; list them with `rrfctl user list`.")
    }

    private func messages(to login: String, limit: Int, withCredentialLinks: Bool, on connection: Connection) throws -> [MailboxMessage] {
        guard let user = try connection.queryPrepared("SELECT email FROM users WHERE login = $1", [login]).first else { throw Self.noSuchUser(login) }
        guard let email: String = try user.decode("email") else { return [] }
        return try connection.queryPrepared(
            """
            SELECT subject, body, state::text AS state, created_at FROM notifications
            WHERE recipient = $1 AND ($3 OR split_part(idempotency_key, '|', 1) <> ALL($4::text[]))
            ORDER BY id DESC LIMIT $2
            """,
            [email, Validate.limit(limit), withCredentialLinks, LinkPurpose.allCases.map(\.rawValue)]
        ).rows.map {
            MailboxMessage(subject: try $0.decode("subject"), body: try $0.decode("body"), state: try $0.decode("state"), createdAt: try $0.decode("created_at"))
        }
    }
}
