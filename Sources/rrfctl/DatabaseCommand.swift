import ArgumentParser
import Foundation
import Postgres
import RRFStore

/// `rrfctl db`: the schema.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create and upgrade the database schema.",
        subcommands: [Migrate.self, Status.self]
    )

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the pending schema migrations (safe to run again, and from several machines at once)."
        )

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let connection = try Connection(database.configuration)
                defer { connection.close() }
                let applied = try SchemaFiles.migrator().migrate(on: connection)
                if output.json {
                    try printJSON(applied.map { ["version": "\($0.version)", "name": $0.name] })
                } else if applied.isEmpty {
                    print("The schema is up to date.")
                } else {
                    applied.forEach { print("applied \(String(format: "%04d", $0.version)) \($0.name)") }
                    print("\(applied.count) migration\(applied.count == 1 ? "" : "s") applied.")
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show which schema migrations are applied or pending.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let connection = try Connection(database.configuration)
                defer { connection.close() }
                let states = try SchemaFiles.migrator().status(on: connection)
                if output.json {
                    struct Entry: Encodable { let version: Int; let name: String; let state: String; let appliedAt: Date? }
                    try printJSON(states.map { Entry(version: $0.version, name: $0.name, state: $0.state.rawValue, appliedAt: $0.appliedAt) })
                } else {
                    var table = TextTable("VERSION", "NAME", "STATE", "APPLIED AT")
                    for state in states {
                        table.add(String(format: "%04d", state.version), state.name, state.state.rawValue, JobsCommand.format(state.appliedAt))
                    }
                    print(table.render())
                }
                if states.contains(where: { $0.state == .changed }) {
                    throw StoreError(.configuration, code: "migration_changed", "An applied migration file was changed; restore it and add a new migration instead.")
                }
            }
        }
    }
}
