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
}

extension FundStore {
    /// The messages the outbox holds for `login`'s e-mail address, newest first: the person's own mailbox,
    /// readable by themselves (signed in) or by trusted code (the demo reading an invitation as its person
    /// would). Administrators do not read others' mail: it holds their password links.
    public func mailbox(_ login: String, limit: Int = 50) throws -> [MailboxMessage] {
        try read("user.mailbox") { connection, viewer in
            let normalised = login.trimmingCharacters(in: .whitespaces).lowercased()
            let notFound = StoreError.notFound("No user has the login \"\(login)\"; list them with `rrfctl user list`.")
            guard viewer.login == nil || viewer.login == normalised else { throw notFound }
            guard let user = try connection.queryPrepared("SELECT email FROM users WHERE login = $1", [normalised]).first else { throw notFound }
            guard let email: String = try user.decode("email") else { return [] }
            return try connection.queryPrepared(
                "SELECT subject, body, state::text AS state FROM notifications WHERE recipient = $1 ORDER BY id DESC LIMIT $2",
                [email, Validate.limit(limit)]
            ).rows.map { MailboxMessage(subject: try $0.decode("subject"), body: try $0.decode("body"), state: try $0.decode("state")) }
        }
    }
}
