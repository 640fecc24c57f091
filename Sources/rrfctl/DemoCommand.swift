import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `rrfctl demo`: a realistic fund, end to end, through the real commands of the fund.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a realistic fund end to end on a throwaway PostgreSQL and tell what happens.",
        discussion: """
            With no database configured, the demo starts a private PostgreSQL in a temporary folder, applies the \
            schema, seeds a fund (staff, seven partner NGOs with different risk ratings, a reserve call and a \
            standard call with cluster envelopes) and plays its story act by act through the same commands \
            rrfctl runs: training, donor deposits, submissions (one refused), screening (one failure), peer review \
            (an affiliated reviewer refused, a divergent panel), decisions, grant agreements, tranche releases \
            with four eyes (a same-person release refused), months of reports with later tranches, one partner \
            falling behind, and closures. Then the rrfd built next to \
            rrfctl runs with --drain to work through the queued jobs and \
            writes the fund's e-mails to a file (its development sink; nothing is sent). It ends with the fund dashboard and KPIs, \
            then stops and removes the PostgreSQL.

            The story runs on a simulated clock that starts on a Monday morning a few weeks ago, so durations \
            look like a real fund's; the times stored are the story's times.

            Safety: the demo never writes into a database you configured by accident. When DATABASE_URL, PGHOST, \
            PGDATABASE or PGSERVICE is set it refuses (exit 64) unless you name the database explicitly with \
            --database-url and confirm with --i-understand-this-writes-demo-data. Even then it only seeds a \
            database whose fund is empty (no users yet; exit 3 otherwise) and leaves the data in place.

            With --serve the demo fund then stays open in the web portal (rrfweb) on http://localhost:8080 (--port) \
            until Ctrl-C: sign in as any of the people the demo lists at its end.

            With --json the story goes to standard error and standard output gets a JSON summary (proposals by \
            state, envelopes with committed amounts, KPIs) for scripts.
            """
    )

    @Option(name: .customLong("database-url"), help: ArgumentHelp(
        "Seed this (empty) database instead of a throwaway one; needs --i-understand-this-writes-demo-data.", valueName: "url"))
    var databaseURL: String?

    @Flag(name: .customLong("i-understand-this-writes-demo-data"), help: "Confirm that --database-url may receive the demo fund.")
    var confirmed = false

    @Flag(name: .long, help: "Print a JSON summary on standard output; the story goes to standard error.")
    var json = false

    @Flag(name: .long, help: "Then keep the demo fund open in the web portal on localhost until Ctrl-C.")
    var serve = false

    @Option(help: "The port of the portal with --serve.")
    var port = 8080

    @Option(help: ArgumentHelp("Keep the e-mails rrfd writes (JSON lines) in this file; by default they are shown and removed.", valueName: "file"))
    var outbox: String?

    /// The environment variables that configure a database for libpq or rrfctl.
    static let configuringVariables = ["DATABASE_URL", "PGHOST", "PGDATABASE", "PGSERVICE"]

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        if let databaseURL {
            guard confirmed else {
                throw refusal("--database-url names a real database; add --i-understand-this-writes-demo-data to seed it with the demo fund.")
            }
            try reportingFailures { try play(on: PostgresConfiguration(connectionString: databaseURL, applicationName: "rrfctl-demo"), throwaway: nil) }
            return
        }
        if let variable = Self.configuringVariables.first(where: { !(environment[$0] ?? "").isEmpty }) {
            throw refusal(
                "\(variable) is set, and the demo does not write into a configured database. Unset it to use a throwaway PostgreSQL, "
                    + "or name the database with --database-url <url> --i-understand-this-writes-demo-data."
            )
        }
        try reportingFailures {
            let cluster = try ThrowawayCluster.start()
            defer { cluster.stop() }
            let admin = try Connection(cluster.configuration(applicationName: "rrfctl-demo"))
            try admin.execute("CREATE DATABASE rrf_demo")
            admin.close()
            try play(on: cluster.configuration(database: "rrf_demo", applicationName: "rrfctl-demo"), throwaway: cluster.directory)
        }
    }

    private func refusal(_ message: String) -> ExitCode {
        printError("error: \(message)\n")
        return ExitCode(64)
    }

    /// Seeds and plays the story; `throwaway` is the folder of the private cluster, nil for a named database.
    private func play(on configuration: PostgresConfiguration, throwaway: String?) throws {
        let connection = try Connection(configuration)
        defer { connection.close() }
        _ = try SchemaFiles.migrator().migrate(on: connection)
        let users = try connection.query("SELECT count(*)::int AS n FROM users").single().decode("n", as: Int.self)
        guard users == 0 else {
            throw StoreError(.rejected, code: "demo_database_not_empty",
                             "The database already holds a fund (\(users) users); the demo only seeds an empty database. Create a new database for it.")
        }
        let calendar = BusinessCalendar.mondayToFriday
        let clock = DemoClock(start: DemoClock.storyStart(before: Date(), weeksAgo: 36, calendar: calendar), calendar: calendar)
        let pool = ConnectionPool(configuration: configuration, maximumConnections: 2)
        defer { pool.shutdown() }
        let store = FundStore(pool: pool, calendar: calendar, logLevel: "critical", clock: { clock.now })
        let narrator = DemoNarrator(toStandardError: json, clock: clock)
        narrator.plain(throwaway.map { "A private PostgreSQL was started in \($0); it is removed when the demo ends." }
            ?? "The demo fund is written into the database you named.")
        let story = DemoStory(store: store, clock: clock, narrator: narrator)
        try story.run()
        narrator.plain("\nThe daemon's part")
        // Without --outbox the e-mails go to a file of the run's own that is removed at its end (never left in /tmp).
        let outboxFile = outbox ?? throwaway.map { "\($0)/outbox.jsonl" }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("rrf-demo-outbox-\(UUID().uuidString.prefix(8)).jsonl").path
        defer { if outbox == nil { try? FileManager.default.removeItem(atPath: outboxFile) } }
        try DemoDaemon.run(
            databaseURL: configuration.connectionString ?? "", outboxFile: outboxFile, kept: outbox != nil, connection: connection, narrator: narrator
        )
        var dashboard = try DemoDashboard.load(store: store)
        dashboard.people = story.desk.credentials
        if json {
            try printJSON(dashboard)
        } else {
            narrator.plain("")
            narrator.plain(dashboard.rendered())
        }
        if serve { try DemoPortal.serve(databaseURL: configuration.connectionString ?? "", port: port) }
    }
}
