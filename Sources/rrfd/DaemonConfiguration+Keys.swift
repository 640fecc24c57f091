import Foundation
import Logging
import Postgres
import RRFWorkflow
import Yams

/// The keys rrfd's YAML file may hold, and the effective configuration as text for `--print-config`.
extension DaemonConfiguration {
    /// The top-level keys of the configuration file.
    static let fileKeys: [String] = [
        "database_url", "name", "actor", "workers", "queues", "batch_size", "poll_interval", "heartbeat_timeout",
        "shutdown_timeout", "retention_days", "log_level", "maintenance", "notifications", "cron", "audit_anchors",
    ]
    /// The keys under `notifications:`.
    static let notificationKeys: [String] = ["sendmail", "from", "file", "webhook_urls", "webhook_secret"]
    /// The keys of each entry of `cron:`.
    static let cronKeys: [String] = ["name", "schedule", "kind", "queue", "payload"]
    /// The keys under `audit_anchors:`.
    static let auditAnchorKeys: [String] = ["folder", "signing_key", "schedule"]

    /// The keys of the whole file, for ``refuseUnknownKeys(yaml:source:)``.
    static let fileShape = DocumentShape.scalars(fileKeys, nested: [
        "notifications": .scalars(notificationKeys), "audit_anchors": .scalars(auditAnchorKeys), "cron": .list(.scalars(cronKeys)),
    ])

    /// Refuses a key the daemon does not know (a typo would otherwise be ignored silently), naming it, where it
    /// is, and the keys that are allowed there. False when the file holds no settings at all (empty or comments).
    static func refuseUnknownKeys(yaml text: String, source: String) throws -> Bool {
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch {
            throw Invalid(description: "cannot read the configuration file \(source): it is not valid YAML (\(error))")
        }
        guard let document else { return false }
        guard document is [String: Any] else {
            throw Invalid(description: "the configuration file \(source) is not a YAML mapping of settings (key: value)")
        }
        guard let unknown = fileShape.firstUnknownKey(in: document) else { return true }
        throw Invalid(description: """
            \(source): "\(unknown.path)" is not a setting of rrfd; the settings\(unknown.place.map { " under \($0)" } ?? "") are \
            \(unknown.allowed.joined(separator: ", ")) (see rrfd --help)
            """)
    }

    /// Every effective setting, one `key: value` line each in the configuration file's words; the database
    /// URL's password and the webhook secret are redacted.
    func printableText(cron entries: [Cron]) -> String {
        func optional(_ value: String?) -> String { value ?? "(not set)" }
        var lines = [
            "database_url: \(databaseURL.map { PostgresConfiguration.redactingPassword(in: $0) } ?? "(not set: PG* variables and ~/.pgpass)")",
            "name: \(name)",
            "actor: \(actor)",
            "workers: \(workers)",
            "queues: \(queues.joined(separator: ","))",
            "batch_size: \(batchSize)",
            "poll_interval: \(pollInterval)",
            "heartbeat_timeout: \(heartbeatTimeout)",
            "shutdown_timeout: \(shutdownTimeout)",
            "retention_days: \(retentionDays)",
            "log_level: \(logLevel.rawValue)",
            "maintenance: \(maintenance)",
            "notifications.sendmail: \(optional(notifications.sendmail))",
            "notifications.from: \(optional(notifications.from))",
            "notifications.file: \(optional(notifications.file))",
            "notifications.webhook_urls: \(optional(notifications.webhookURLs?.joined(separator: ",")))",
            "notifications.webhook_secret: \(notifications.webhookSecret == nil ? "(not set)" : "(set, redacted)")",
        ]
        lines.append("cron: \(entries.map { "\($0.name)=\($0.schedule)" }.joined(separator: ","))")
        lines.append("audit_anchors: \(auditAnchors.map { "folder=\($0.folder) signing_key=\($0.signingKey) schedule=\($0.schedule)" } ?? "off")")
        return lines.joined(separator: "\n")
    }
}
