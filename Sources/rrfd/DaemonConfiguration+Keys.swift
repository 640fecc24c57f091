import Foundation
import Logging
import Postgres
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

    /// Refuses a key the daemon does not know (a typo would otherwise be ignored silently), naming it, where it
    /// is, and the keys that are allowed there. False when the file holds no settings at all (empty or comments).
    static func refuseUnknownKeys(yaml text: String, source: String) throws -> Bool {
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch {
            throw Invalid(description: "cannot read the configuration file \(source): it is not valid YAML (\(error))")
        }
        guard let document else { return false }
        guard let top = document as? [String: Any] else {
            throw Invalid(description: "the configuration file \(source) is not a YAML mapping of settings (key: value)")
        }
        try check(top, allowed: fileKeys, at: nil, source: source)
        if let notifications = top["notifications"] as? [String: Any] {
            try check(notifications, allowed: notificationKeys, at: "notifications", source: source)
        }
        if let anchors = top["audit_anchors"] as? [String: Any] {
            try check(anchors, allowed: auditAnchorKeys, at: "audit_anchors", source: source)
        }
        if let cron = top["cron"] as? [Any] {
            for (index, entry) in cron.enumerated() {
                if let entry = entry as? [String: Any] { try check(entry, allowed: cronKeys, at: "cron[\(index)]", source: source) }
            }
        }
        return true
    }

    private static func check(_ mapping: [String: Any], allowed: [String], at place: String?, source: String) throws {
        guard let unknown = mapping.keys.sorted().first(where: { !allowed.contains($0) }) else { return }
        let key = place.map { "\($0).\(unknown)" } ?? unknown
        throw Invalid(description: """
            \(source): "\(key)" is not a setting of rrfd; the settings\(place.map { " under \($0)" } ?? "") are \
            \(allowed.joined(separator: ", ")) (see rrfd --help)
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
