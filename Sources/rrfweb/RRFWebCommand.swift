import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Postgres
import RRFStore
import RRFWeb
import RRFWorkflow

/// `rrfweb`: the fund's web portal.
@main
struct RRFWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rrfweb",
        abstract: "Serve the fund's web portal (NGOs, reviewers, staff) on the fund's PostgreSQL.",
        discussion: """
            Settings come from the environment (DATABASE_URL, RRFWEB_HOST, RRFWEB_PORT, RRF_PUBLIC_URL, \
            RRF_FUND_NAME, RRF_IATI_ORG_REF, RRFWEB_SIGN_IN_LIMIT), then from --config, a YAML file with the keys \
            database_url, host, port, public_url, store_threads, log_level, fund_name, iati_org_ref, \
            sign_in_attempts_per_minute (any other key is refused). Stateless: run several behind a load balancer on one database. \
            SIGTERM or SIGINT stop it gracefully. /healthz answers 200 when the database is reachable and its \
            migrations are current; /metrics answers the Prometheus text format.
            Exit codes: 0 stopped; 1 stopped on an unexpected error; 64 usage error; 78 a bad setting (the \
            environment or the file).
            """,
        version: RRFVersion.current
    )

    @Option(help: ArgumentHelp("A YAML configuration file.", valueName: "file")) var config: String?
    @Flag(name: .customLong("print-config"), help: "Print every effective setting (the database password redacted) and exit.")
    var printConfig = false

    func run() async throws {
        let settings: WebConfiguration
        do {
            settings = try WebConfiguration.load(environment: ProcessInfo.processInfo.environment, file: config)
        } catch let problem as ConfigurationProblem {
            FileHandle.standardError.write(Data("error: \(problem.description)\n".utf8))
            throw ExitCode(78)
        }
        if printConfig { return print(settings.printableText) }
        var logger = Logger(label: "rrfweb")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let pool = ConnectionPool(
            configuration: PostgresConfiguration(connectionString: settings.databaseURL, applicationName: "rrfweb"),
            maximumConnections: settings.storeThreads
        )
        let store = FundStore(pool: pool, logLevel: settings.logLevel)
        let metrics = WebMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        let runner = StoreRunner(store: store, threads: settings.storeThreads, metrics: metrics)
        let portal = Portal(
            runner: runner, pages: try await Pages.load(utcOffsetMinutes: store.calendar.utcOffsetMinutes), configuration: settings,
            migrator: try SchemaFiles.migrator()
        )
        let app = Application(
            router: portal.router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "rrfweb"),
            logger: logger
        )
        logger.info("rrfweb listening", metadata: ["address": "\(settings.host):\(settings.port)", "public_url": "\(settings.publicURL)"])
        try await app.runService()
        try await runner.shutdown()
        pool.shutdown()
    }
}
