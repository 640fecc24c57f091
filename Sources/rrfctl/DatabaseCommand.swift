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

    struct Migrate: ConnectionCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Apply the pending schema migrations (safe to run again, and from several machines at once)."
        )

        @OptionGroup var options: ReadOptions

        /// A migration this run applied; as JSON its version is a string, as rrfctl has always printed it.
        struct Applied: Encodable {
            let version: Int
            let name: String

            enum CodingKeys: CodingKey { case version, name }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode("\(version)", forKey: .version)
                try container.encode(name, forKey: .name)
            }
        }

        func perform(on connection: Connection) throws -> [Applied] {
            do {
                return try SchemaFiles.migrator().migrate(on: connection).map { Applied(version: $0.version, name: $0.name) }
            } catch let error as PostgresError where error.sqlState == "42501" {
                throw StoreError(
                    .forbidden, code: "migration_not_permitted",
                    "This database role may not change the schema: run `rrfctl db migrate` as the owner role (rrf_owner, see deploy/roles.sql; the rrf-migrate unit does), not as the application role. Nothing was changed.",
                    underlying: error
                )
            }
        }

        func show(_ applied: [Applied]) {
            if applied.isEmpty { return print("The schema is up to date.") }
            applied.forEach { print("applied \(String(format: "%04d", $0.version)) \($0.name)") }
            print("\(applied.count) migration\(applied.count == 1 ? "" : "s") applied.")
        }
    }

    struct Status: ConnectionCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show which schema migrations are applied or pending.")

        @OptionGroup var options: ReadOptions

        /// One migration file and whether it is applied, pending, or changed since it was applied.
        struct Entry: Encodable {
            let version: Int
            let name: String
            let state: String
            let appliedAt: Date?
        }

        func perform(on connection: Connection) throws -> [Entry] {
            try SchemaFiles.migrator().status(on: connection).map {
                Entry(version: $0.version, name: $0.name, state: $0.state.rawValue, appliedAt: $0.appliedAt)
            }
        }

        func show(_ states: [Entry]) {
            var table = TextTable("VERSION", "NAME", "STATE", "APPLIED AT")
            for state in states {
                table.add(String(format: "%04d", state.version), state.name, state.state, JobsCommand.format(state.appliedAt))
            }
            print(table.render())
        }

        /// Refuses (exit code 7) when an applied migration file was changed.
        func conclude(_ states: [Entry]) throws {
            if states.contains(where: { $0.state == MigrationStatus.State.changed.rawValue }) {
                throw StoreError(.configuration, code: "migration_changed", "An applied migration file was changed; restore it and add a new migration instead.")
            }
        }
    }
}
