import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl user`: people, their roles and affiliations.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add and list users with their roles and organisations.",
        subcommands: [Add.self, List.self, Show.self]
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
                var table = TextTable("LOGIN", "NAME", "ROLES", "ORGANISATIONS")
                for record in records {
                    table.add(record.login, record.displayName, record.roles.map(\.rawValue).joined(separator: ","), record.organisations.joined(separator: ","))
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
        ("Login", record.login), ("Name", record.displayName), ("E-mail", record.email),
        ("Roles", record.roles.map(\.rawValue).joined(separator: ", ")),
        ("Organisations", record.organisations.isEmpty ? nil : record.organisations.joined(separator: ", ")),
    ])
}
