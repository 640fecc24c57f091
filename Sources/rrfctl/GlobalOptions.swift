import ArgumentParser
import Foundation
import Postgres

/// Options every command that touches the database accepts.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: ArgumentHelp(
        "PostgreSQL URL or conninfo (default: DATABASE_URL, then PG* variables and ~/.pgpass).", valueName: "url"))
    var databaseURL: String?

    /// Connection settings from the flag, `DATABASE_URL`, or libpq's own environment.
    var configuration: PostgresConfiguration {
        PostgresConfiguration(
            connectionString: databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"],
            applicationName: "rrfctl"
        )
    }
}

/// `--json` for commands that print data.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts instead of a table.")
    var json = false
}
