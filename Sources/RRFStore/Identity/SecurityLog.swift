import Foundation
import Logging
import Postgres
import RRFWorkflow

/// One refusal as the security log keeps it (table `security_events`).
public struct SecurityEvent: Codable, Sendable, Equatable {
    public let id: Int64
    public let occurredAt: Date
    /// The login that acted or tried to (nil when not known, e.g. a token that matches nobody).
    public let actor: String?
    public let command: String
    public let target: String?
    /// `sign_in`, `authorisation` or `rule`.
    public let kind: String
    public let code: String
    public let reason: String
    /// `cli`, `web`, `api` or `daemon`.
    public let source: String

    init(row: Row) throws {
        id = try row.decode("id")
        occurredAt = try row.decode("occurred_at")
        actor = try row.decode("actor")
        command = try row.decode("command")
        target = try row.decode("target")
        kind = try row.decode("kind")
        code = try row.decode("code")
        reason = try row.decode("reason")
        source = try row.decode("source")
    }
}

/// Which refusals to list.
public struct SecurityEventFilter: Sendable {
    public var actor: String?
    public var kind: String?
    public var command: String?
    public var since: Date?
    public var limit: Int
    /// Where the page starts: the previous page's ``Page/next``; nil for the first page.
    public var after: PageCursor?

    public init(actor: String? = nil, kind: String? = nil, command: String? = nil, since: Date? = nil, limit: Int = 100, after: PageCursor? = nil) {
        self.actor = actor
        self.kind = kind
        self.command = command
        self.since = since
        self.limit = limit
        self.after = after
    }
}

extension FundStore {
    /// Writes a refusal to the security log, on its own connection after the refused transaction rolled back
    /// (so the record survives it). Inside a caller's transaction (a daemon job) it is only logged: the job's
    /// own failure is recorded with the job.
    func recordRefusal(_ error: StoreError, command: String, context: RefusalContext, at now: Date) {
        guard case .pool(let pool) = executor else { return }
        let kind: String
        switch error.kind {
        case .unauthenticated: kind = "sign_in"
        case .forbidden, .notFound: kind = "authorisation"
        case .rejected, .conflict, .configuration, .internal: kind = "rule"
        }
        do {
            _ = try pool.withConnection { connection in
                try connection.queryPrepared(
                    """
                    INSERT INTO security_events (occurred_at, actor, command, target, kind, code, reason, source)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    """,
                    [now, context.actor, command, context.target, kind, error.code, error.message, channel.rawValue]
                )
            }
        } catch {
            logger.error("security log write failed", metadata: ["command": "\(command)", "error": "\(error)"])
        }
    }

    /// A page of the security log's refusals, newest first. Administrators only.
    public func securityEvents(_ filter: SecurityEventFilter = SecurityEventFilter()) throws -> Page<SecurityEvent> {
        try read("audit.refusals") { connection, viewer in
            try viewer.require(.securityLog, notFound: StoreError(
                .forbidden, code: "role_required", "Only an administrator can read the security log."
            ))
            return try connection.page(
                "SELECT id, occurred_at, actor, command, target, kind, code, reason, source FROM security_events",
                where: """
                ($1::text IS NULL OR actor = lower($1) OR actor LIKE lower($1) || ' for %')
                  AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR command = $3)
                  AND ($4::timestamptz IS NULL OR occurred_at >= $4)
                """,
                [filter.actor, filter.kind, filter.command, filter.since],
                orderedBy: [PageKey("occurred_at", "timestamptz", descending: true), PageKey("id", "bigint", descending: true)],
                limit: Validate.limit(filter.limit), after: filter.after,
                SecurityEvent.init(row:)
            )
        }
    }
}
