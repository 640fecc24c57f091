import Crypto
import Foundation
import Notifications
import Postgres

extension CommandContext {
    /// Writes `notification` to the outbox in this transaction: one message per active user who holds one of its
    /// roles (and, when it names an organisation, belongs to it) and has an e-mail address, each with a `notify`
    /// delivery job. A recipient without an address is not skipped silently: the secretariat is told, once per
    /// user and event kind, that they missed it (see ``reportMissingAddress(login:name:notification:)``).
    /// A message's idempotency key names the stream, event, moment, recipient and a digest of the text, so two
    /// notifications of one command about the same stream (e.g. two late reports of a grant) both reach a user.
    func notify(_ notification: NotifyPayload) throws {
        let recipients = try connection.queryPrepared(
            """
            SELECT DISTINCT u.login, u.display_name, u.email
            FROM users u JOIN user_roles r ON r.user_id = u.id
            WHERE u.deactivated_at IS NULL AND r.role = ANY($1::text[])
              AND ($2::uuid IS NULL OR EXISTS (
                  SELECT 1 FROM user_organisations o WHERE o.user_id = u.id AND o.organisation_id = $2::uuid))
              AND ($3::uuid IS NULL OR u.id = $3::uuid)
            ORDER BY u.login
            """,
            [notification.roles, notification.organisationID, notification.userID]
        )
        let moment = Int64((now.timeIntervalSince1970 * 1_000_000).rounded())
        let digest = SHA256.hash(data: Data(notification.message.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        for row in recipients.rows {
            let login: String = try row.decode("login")
            guard let email: String = try row.decode("email") else {
                try reportMissingAddress(login: login, name: try row.decode("display_name"), notification: notification)
                continue
            }
            try Outbox.enqueue(
                OutboxMessage(
                    idempotencyKey: "\(notification.stream)|\(notification.event)|\(moment)|\(login)|\(digest)",
                    recipient: email,
                    subject: "[RRF] \(notification.event.replacingOccurrences(of: "_", with: " ")) — \(notification.stream)",
                    body: notification.message
                ),
                on: connection
            )
        }
    }

    /// Tells every active secretariat member with an address that `login` has no e-mail address and missed a
    /// notification of `notification.event`; the idempotency key names the user and the event kind, so the
    /// secretariat hears it once per user and kind, not at every notification.
    private func reportMissingAddress(login: String, name: String, notification: NotifyPayload) throws {
        let secretariat = try connection.queryPrepared(
            """
            SELECT DISTINCT u.login, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
            WHERE u.deactivated_at IS NULL AND r.role = 'secretariat' AND u.email IS NOT NULL ORDER BY u.login
            """,
            []
        )
        // In words ("report overdue"), and ':' in the key, so that this notice never reads as one of the event's own.
        let event = notification.event.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: ".", with: " ")
        let kind = notification.event.replacingOccurrences(of: ".", with: ":")
        for row in secretariat.rows {
            try Outbox.enqueue(
                OutboxMessage(
                    idempotencyKey: "missing-email|\(login)|\(kind)|\(try row.decode("login", as: String.self))",
                    recipient: try row.decode("email"),
                    subject: "[RRF] \(name) has no e-mail address",
                    body: "\(name) (\(login)) has no e-mail address and missed a notification of \(event) (\(notification.stream)). "
                        + "Add their address with `rrfctl user edit \(login) --email <address>`; until then they miss every \(event) "
                        + "notification and you are told only this once."
                ),
                on: connection
            )
        }
    }
}
