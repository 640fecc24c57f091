import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl user`: people, their roles and affiliations.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, edit, deactivate and list users with their roles and organisations.",
        subcommands: [Add.self, Edit.self, Deactivate.self, Reactivate.self, List.self, Show.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user (administrator). The very first user needs no --as and must have the admin role."
        )
        @Argument(help: "The new user's login, e.g. amina.k.") var login: String
        @Option(help: "The user's full name.") var name: String
        @Option(help: "E-mail address.") var email: String?
        @Option(name: .customLong("role"), help: "A role (repeat): admin, secretariat, reviewer, fund_manager, finance_officer, trainer, ngo_user.")
        var roles: [String] = []
        @Option(name: .customLong("organisation"), help: "Code of an organisation the user belongs to (repeat; exactly one for ngo_user).")
        var organisations: [String] = []
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let parsedRoles = Set(try roles.map(parsedRole))
                let actorLogin = options.actor.login ?? ProcessInfo.processInfo.environment["RRF_ACTOR"].flatMap { $0.isEmpty ? nil : $0 }
                let record = try options.store().addUser(
                    login: login, displayName: name, email: email, roles: parsedRoles, organisations: organisations, as: actorLogin
                )
                try show(record, options.output)
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a user's name, e-mail address or roles (administrator); what is not given stays.",
            discussion: "Example: rrfctl user edit amina.k --email amina@fund.example --role secretariat --role trainer --as admin"
        )
        @Argument(help: "The user's login.") var login: String
        @Option(help: "The user's full name.") var name: String?
        @Option(help: "E-mail address.") var email: String?
        @Option(name: .customLong("role"), help: "A role (repeat; replaces every role): admin, secretariat, reviewer, fund_manager, finance_officer, trainer, ngo_user.")
        var roles: [String] = []
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let changes = UserChanges(displayName: name, email: email, roles: roles.isEmpty ? nil : Set(try roles.map(parsedRole)))
                try show(try options.store().editUser(login, changes, expectedVersion: version.expectedVersion, as: try options.login()), options.output)
            }
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate a user (administrator): they keep their history but can no longer act or receive notifications."
        )
        @Argument(help: "The user's login.") var login: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                try show(try options.store().deactivateUser(login, expectedVersion: version.expectedVersion, as: try options.login()), options.output)
            }
        }
    }

    struct Reactivate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reactivate a deactivated user (administrator).")
        @Argument(help: "The user's login.") var login: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                try show(try options.store().reactivateUser(login, expectedVersion: version.expectedVersion, as: try options.login()), options.output)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @Option(help: "Only users with this role.") var role: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let filter = try role.map(parsedRole)
                let records = try database.store().users(role: filter, limit: page.limit, offset: page.offset)
                if output.json { return try printJSON(records) }
                var table = TextTable("LOGIN", "NAME", "STATUS", "ROLES", "ORGANISATIONS")
                for record in records {
                    table.add(
                        record.login, record.displayName, status(record), record.roles.map(\.rawValue).joined(separator: ","),
                        record.organisations.joined(separator: ",")
                    )
                }
                print(table.render())
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one user.")
        @Argument(help: "The user's login.") var login: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures { try show(try database.store().user(login), output) }
        }
    }
}

/// A role as typed on the command line, e.g. `fund_manager`.
private func parsedRole(_ text: String) throws -> Role {
    guard let role = Role(rawValue: text.lowercased()) else {
        throw StoreError(.rejected, code: "role_unknown", "\"\(text)\" is not a role; use one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
    }
    return role
}

private func show(_ record: UserRecord, _ output: OutputOptions) throws {
    if output.json { return try printJSON(record) }
    printFields([
        ("Login", record.login), ("Name", record.displayName), ("Status", status(record)), ("E-mail", record.email),
        ("Roles", record.roles.map(\.rawValue).joined(separator: ", ")),
        ("Organisations", record.organisations.isEmpty ? nil : record.organisations.joined(separator: ", ")),
        ("Version", "\(record.version)"),
    ])
}

/// `active`, or `deactivated since <day>`.
private func status(_ record: UserRecord) -> String {
    record.deactivatedAt.map { "deactivated since \(ISO8601DateFormatter().string(from: $0).prefix(10))" } ?? "active"
}
