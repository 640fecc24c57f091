import Foundation
import JobQueue
import Logging
import Notifications
import Postgres
import RRFStore
import Yams

/// rrfd's settings: defaults, overridden by the YAML file (`--config` / `RRFD_CONFIG`), then by environment
/// variables, then by flags.
struct DaemonConfiguration: Sendable, Equatable {
    var databaseURL: String?
    var name = "rrfd"
    /// The login the RRF handlers act as for commands that need a user (close calls, create grants, evaluate
    /// tranches, mark reports due): a user with the secretariat role the admin creates.
    var actor = "rrfd"
    var workers = 4
    var queues = ["default"]
    var batchSize = WorkerPoolConfiguration.defaultBatchSize
    var pollInterval = 1.0
    var heartbeatTimeout = 10.0
    var shutdownTimeout = 25.0
    var retentionDays = 14.0
    var logLevel = Logger.Level.info
    var maintenance = true
    var notifications = Notifications()
    var cron: [Cron] = []
    /// Where and how often to checkpoint the audit log (nil: this rrfd does not).
    var auditAnchors: AuditAnchors?

    /// Signed checkpoints of the audit log (issue 18): the folder outside the database they go to, the private key
    /// file that signs them (from `rrfctl audit keygen`) and the schedule. Only an rrfd that has them claims the
    /// `audit.anchor` job: it runs on the queue ``queue``, which such an rrfd adds to its queues.
    struct AuditAnchors: Sendable, Equatable, Decodable {
        var folder: String
        var signingKey: String
        var schedule: String = "*/15 * * * *"

        static let queue = "audit-anchor"

        init(folder: String, signingKey: String, schedule: String? = nil) {
            self.folder = folder
            self.signingKey = signingKey
            if let schedule { self.schedule = schedule }
        }

        init(from decoder: any Decoder) throws {
            let values = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                folder: try values.decode(String.self, forKey: .folder), signingKey: try values.decode(String.self, forKey: .signingKey),
                schedule: try values.decodeIfPresent(String.self, forKey: .schedule)
            )
        }

        enum CodingKeys: String, CodingKey {
            case folder, signingKey = "signing_key", schedule
        }

        /// The periodic job that writes the checkpoints.
        var cron: Cron { Cron(name: "rrf.audit_anchor", schedule: schedule, kind: AuditAnchorHandler.jobKind.name, queue: Self.queue) }
    }

    struct Notifications: Sendable, Equatable, Decodable {
        /// Sendmail-compatible command line for e-mail, e.g. `/usr/sbin/sendmail -t -i`.
        var sendmail: String?
        var from: String?
        /// Development: the JSON-lines file for the `file` channel, and for e-mail when no sendmail is set.
        var file: String?
        /// The only URLs webhooks may be sent to; each also receives a copy of every e-mail and file notification.
        var webhookURLs: [String]?
        /// Signs every webhook body (`RRF-Signature`); required with `webhookURLs`. Redacted in any text.
        var webhookSecret: WebhookSecret?

        enum CodingKeys: String, CodingKey {
            case sendmail, from, file
            case webhookURLs = "webhook_urls", webhookSecret = "webhook_secret"
        }
    }

    struct Cron: Sendable, Equatable, Decodable {
        var name: String
        var schedule: String
        var kind: String
        var queue: String?
        /// JSON text.
        var payload: String?

        init(name: String, schedule: String, kind: String, queue: String? = nil, payload: String? = nil) {
            self.name = name
            self.schedule = schedule
            self.kind = kind
            self.queue = queue
            self.payload = payload
        }
    }

    /// The YAML file's shape (every key optional).
    private struct File: Decodable {
        var databaseURL: String?
        var name: String?
        var actor: String?
        var workers: Int?
        var queues: [String]?
        var batchSize: Int?
        var pollInterval: Double?
        var heartbeatTimeout: Double?
        var shutdownTimeout: Double?
        var retentionDays: Double?
        var logLevel: String?
        var maintenance: Bool?
        var notifications: Notifications?
        var cron: [Cron]?
        var auditAnchors: AuditAnchors?

        enum CodingKeys: String, CodingKey {
            case databaseURL = "database_url", name, actor, workers, queues, batchSize = "batch_size", pollInterval = "poll_interval"
            case heartbeatTimeout = "heartbeat_timeout", shutdownTimeout = "shutdown_timeout", retentionDays = "retention_days"
            case logLevel = "log_level", maintenance, notifications, cron, auditAnchors = "audit_anchors"
        }
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    mutating func apply(yaml text: String, source: String) throws {
        let file: File
        do {
            guard try Self.refuseUnknownKeys(yaml: text, source: source) else { return }
            file = try YAMLDecoder().decode(File.self, from: text)
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "cannot read the configuration file \(source): \(error)")
        }
        if let value = file.databaseURL { databaseURL = value }
        if let value = file.name { name = value }
        if let value = file.actor { actor = value }
        if let value = file.workers { workers = value }
        if let value = file.queues { queues = value }
        if let value = file.batchSize { batchSize = value }
        if let value = file.pollInterval { pollInterval = value }
        if let value = file.heartbeatTimeout { heartbeatTimeout = value }
        if let value = file.shutdownTimeout { shutdownTimeout = value }
        if let value = file.retentionDays { retentionDays = value }
        if let value = file.logLevel { logLevel = try Self.level(value) }
        if let value = file.maintenance { maintenance = value }
        if let value = file.notifications { notifications = value }
        if let value = file.cron { cron = value }
        if let value = file.auditAnchors { auditAnchors = value }
    }

    mutating func apply(environment: [String: String]) throws {
        func int(_ key: String) throws -> Int? {
            guard let text = environment[key], !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw Invalid(description: "\(key) must be a whole number, not '\(text)'") }
            return value
        }
        if let value = environment["DATABASE_URL"], !value.isEmpty { databaseURL = value }
        if let value = environment["RRFD_NAME"], !value.isEmpty { name = value }
        if let value = environment["RRFD_ACTOR"], !value.isEmpty { actor = value }
        if let value = try int("RRFD_WORKERS") { workers = value }
        if let value = try int("RRFD_BATCH_SIZE") { batchSize = value }
        if let value = environment["RRFD_QUEUES"], !value.isEmpty { queues = Self.list(value) }
        if let value = environment["RRFD_LOG_LEVEL"], !value.isEmpty { logLevel = try Self.level(value) }
        if let value = environment["RRFD_SENDMAIL"], !value.isEmpty { notifications.sendmail = value }
        if let value = environment["RRFD_MAIL_FROM"], !value.isEmpty { notifications.from = value }
        if let value = environment["RRFD_NOTIFY_FILE"], !value.isEmpty { notifications.file = value }
        if let value = environment["RRFD_WEBHOOK_URLS"], !value.isEmpty { notifications.webhookURLs = Self.list(value) }
        if let value = environment["RRFD_WEBHOOK_SECRET"].flatMap(WebhookSecret.init) { notifications.webhookSecret = value }
        // The same variables as `rrfctl audit anchor` reads.
        let folder = environment["RRF_AUDIT_ANCHOR_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let key = environment["RRF_AUDIT_SIGNING_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if folder != nil || key != nil {
            guard let folder = folder ?? auditAnchors?.folder, let key = key ?? auditAnchors?.signingKey else {
                throw Invalid(description: "audit anchors need both RRF_AUDIT_ANCHOR_DIR and RRF_AUDIT_SIGNING_KEY (or audit_anchors: in the file)")
            }
            auditAnchors = AuditAnchors(folder: folder, signingKey: key, schedule: auditAnchors?.schedule)
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func level(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw Invalid(description: "unknown log level '\(text)' (use trace, debug, info, notice, warning, error or critical)")
        }
        return level
    }

    func notificationSinks() -> NotificationSinks {
        let file = notifications.file.map { FileSink(path: $0) }
        let email: (any NotificationSink)? = notifications.sendmail.map {
            SendmailSink(command: $0.split(separator: " ").map(String.init), from: notifications.from ?? "rrf@localhost")
        } ?? file
        let urls = notifications.webhookURLs ?? []
        let webhook = notifications.webhookSecret.map { WebhookSink(allowedURLs: urls, secret: $0) }
        return NotificationSinks(email: email, webhook: webhook, file: file, webhookSubscribers: urls)
    }

    /// The periodic jobs this rrfd schedules: the built-in ones (each replaceable by a `cron:` entry of the same
    /// name), the configured ones, and the audit checkpoint when ``auditAnchors`` is set.
    var cronEntries: [Cron] {
        let configured = Set(cron.map(\.name))
        let anchor = auditAnchors.map { [$0.cron] } ?? []
        return (DaemonJobKinds.builtInCron + anchor).filter { !configured.contains($0.name) } + cron
    }

    /// With `drain` (run until the queue is empty), cron schedules are validated but not run.
    func poolConfiguration(drain: Bool) throws -> WorkerPoolConfiguration {
        if notifications.webhookURLs?.isEmpty == false, notifications.webhookSecret == nil {
            throw Invalid(description: "webhook URLs are configured without a secret to sign the requests with (webhook_secret under notifications, or RRFD_WEBHOOK_SECRET)")
        }
        if let auditAnchors {
            // Refuse at start, not at the first checkpoint, a key others can read or a folder that is not there.
            _ = try AuditSigningKey.privateKey(at: URL(fileURLWithPath: auditAnchors.signingKey))
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: auditAnchors.folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw Invalid(description: "the audit anchor folder \(auditAnchors.folder) does not exist; create it (writable by rrfd only)")
            }
        }
        let entries = cronEntries
        let schedules = try entries.map { entry in
            do {
                return try CronSchedule(name: entry.name, expression: entry.schedule, job: NewJob(
                    kind: entry.kind, payloadJSON: entry.payload ?? "{}", queue: entry.queue ?? queues.first ?? "default",
                    uniqueKey: "cron:\(entry.name)"))
            } catch {
                throw Invalid(description: "cron entry '\(entry.name)': \(error)")
            }
        }
        return WorkerPoolConfiguration(
            database: PostgresConfiguration(connectionString: databaseURL, applicationName: name),
            name: name, queues: queues + (auditAnchors == nil || queues.contains(AuditAnchors.queue) ? [] : [AuditAnchors.queue]), workers: workers, batchSize: batchSize,
            pollInterval: .milliseconds(Int(pollInterval * 1000)),
            heartbeatInterval: .milliseconds(Int(max(0.2, min(1, heartbeatTimeout / 5)) * 1000)),
            heartbeatTimeout: .milliseconds(Int(heartbeatTimeout * 1000)),
            shutdownTimeout: .milliseconds(Int(shutdownTimeout * 1000)),
            maintenance: maintenance, retention: .seconds(Int(retentionDays * 86_400)),
            cron: drain ? [] : schedules, stopWhenIdle: drain
        )
    }
}
