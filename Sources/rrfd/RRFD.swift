import ArgumentParser
import RRFStore
import Foundation
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import UnixSignals

/// `rrfd`: the Rapid Response Fund daemon. Runs the job queue's workers until SIGTERM/SIGINT.
@main
struct RRFD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rrfd",
        abstract: "Run the Rapid Response Fund's background jobs.",
        discussion: """
            Settings come from defaults, then the YAML file (--config or RRFD_CONFIG), then the environment \
            (DATABASE_URL, RRFD_ACTOR, RRFD_WORKERS, RRFD_QUEUES, RRFD_BATCH_SIZE, RRFD_LOG_LEVEL, RRFD_NAME, RRFD_NOTIFY_FILE, \
            RRFD_SENDMAIL, RRFD_MAIL_FROM, RRFD_WEBHOOK_URLS, RRFD_WEBHOOK_SECRET), then flags. Several rrfd processes may \
            run against one database; one of them (the leader) rescues jobs of dead workers, enqueues cron jobs and prunes.
            Every notification is also posted to each webhook URL, signed with the secret (header RRF-Signature: \
            t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">); webhook URLs need a secret.
            The RRF jobs run as the login given by --actor / RRFD_ACTOR / actor: (default rrfd), and what they do is \
            recorded as that user: create it with the secretariat role (rrfctl user add rrfd --name "RRF daemon" \
            --role secretariat). Each job's database effects commit in the transaction that completes it. \
            Built-in periodic jobs (cron names, UTC): rrf.reports_due (hourly: reports due, then overdue reports \
            notified), rrf.certificate_expiry (daily: certificates expiring within 30 days), rrf.overdue_reviews \
            (every 15 minutes: reviews due within 24 hours reminded, overdue reviews escalated); a cron: entry of the \
            same name in the configuration file replaces one. A job the fund's rules refuse for good is completed, \
            logged at error level and sent to the secretariat (event job.refused), not retried.
            SIGTERM or SIGINT: stop claiming, let running jobs finish (up to the shutdown timeout), exit.
            Exit codes: 0 stopped (or drained); 1 stopped on an unexpected error; 64 usage error; 69 the database \
            cannot be reached; 78 a bad setting (the file, the environment or a flag).
            """,
        version: RRFVersion.current
    )

    @Option(help: ArgumentHelp("YAML configuration file.", valueName: "path")) var config: String?
    @Option(name: .customLong("database-url"), help: ArgumentHelp("PostgreSQL URL or conninfo.", valueName: "url")) var databaseURL: String?
    @Option(help: "Worker threads (each with its own database connection).") var workers: Int?
    @Option(help: ArgumentHelp("Comma-separated queues to work on.", valueName: "names")) var queues: String?
    @Option(name: .customLong("batch-size"), help: "Jobs claimed at once by a worker.") var batchSize: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String?
    @Option(help: "Name shown in `rrfctl daemon status`.") var name: String?
    @Option(help: ArgumentHelp("Login the RRF jobs act as (a user with the secretariat role).", valueName: "login")) var actor: String?
    @Flag(name: [.customLong("drain"), .customLong("once")], help: "Exit once no job is runnable (for tests and demos).")
    var drain = false
    @Flag(name: .customLong("print-config"), help: "Print every effective setting (the password and the webhook secret redacted) and exit.") var printConfig = false

    func effectiveConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        if let path = config ?? environment["RRFD_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw DaemonConfiguration.Invalid(description: "cannot read the configuration file \(path): \(error.localizedDescription)")
            }
            try configuration.apply(yaml: text, source: path)
        }
        try configuration.apply(environment: environment)
        if let databaseURL { configuration.databaseURL = databaseURL }
        if let workers { configuration.workers = workers }
        if let queues { configuration.queues = DaemonConfiguration.list(queues) }
        if let batchSize { configuration.batchSize = batchSize }
        if let logLevel { configuration.logLevel = try DaemonConfiguration.level(logLevel) }
        if let name { configuration.name = name }
        if let actor { configuration.actor = actor }
        return configuration
    }

    func run() async throws {
        let configuration: DaemonConfiguration
        let pool: WorkerPoolConfiguration
        do {
            configuration = try effectiveConfiguration()
            pool = try configuration.poolConfiguration(drain: drain)
            try pool.validate()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        if printConfig {
            print(configuration.printableText(cron: configuration.cronEntries))
            return
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { LogfmtLogHandler(label: $0, level: level) }
        let logger = Logger(label: "rrfd")
        let service = WorkerPoolService(pool: WorkerPool(configuration: pool, registry: JobHandlers.registry(configuration), logger: logger))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            // With --drain the pool ends by itself; that ends the daemon normally.
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        do {
            try await group.run()
        } catch let error as PostgresError where [.connectionFailed, .connectionClosed].contains(error.kind) {
            logger.critical("rrfd cannot reach the database; check DATABASE_URL and that PostgreSQL is running", metadata: ["error": "\(error)"])
            throw ExitCode(69)
        } catch {
            logger.critical("rrfd stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

/// The worker pool as a swift-service-lifecycle service: graceful shutdown asks the pool to stop claiming and
/// waits for it; the pool's own threads do the work.
struct WorkerPoolService: Service {
    let pool: WorkerPool

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await pool.run()
        } onGracefulShutdown: {
            pool.requestShutdown()
        }
    }
}
