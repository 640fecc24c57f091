import Crypto
import Foundation
import JobQueue
import Postgres

extension CommandContext {
    /// Writes `notification` to the outbox in this transaction: one message per user who holds one of its roles
    /// (and, when it names an organisation, belongs to it) and has an e-mail address, each with a `notify`
    /// delivery job. Users without an address are skipped: the audit log still records the event.
    /// A message's idempotency key names the stream, event, moment, recipient and a digest of the text, so two
    /// notifications of one command about the same stream (e.g. two late reports of a grant) both reach a user.
    func notify(_ notification: NotifyPayload) throws {
        let recipients = try connection.queryPrepared(
            """
            SELECT DISTINCT u.login, u.email
            FROM users u JOIN user_roles r ON r.user_id = u.id
            WHERE u.email IS NOT NULL AND r.role = ANY($1::text[])
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
            try Outbox.enqueue(
                OutboxMessage(
                    idempotencyKey: "\(notification.stream)|\(notification.event)|\(moment)|\(login)|\(digest)",
                    recipient: try row.decode("email"),
                    subject: "[RRF] \(notification.event.replacingOccurrences(of: "_", with: " ")) — \(notification.stream)",
                    body: notification.message
                ),
                on: connection
            )
        }
    }
}
