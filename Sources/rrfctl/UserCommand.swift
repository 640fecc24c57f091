import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `rrfctl user`: people, their roles and affiliations.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, edit, deactivate and list users with their roles and organisations.",
        subcommands: [
            Add.self, Invite.self, SetPassword.self, ResetPassword.self, Unlock.self, Edit.self, Deactivate.self, Reactivate.self, List.self,
            Show.self,
        ]
    )

    struct Add: PrintingCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a user (administrator); then send them an invitation with `rrfctl user invite`.",
            discussion: """
                The very first user is added with the database alone, before anyone can sign in: it must have the admin \
                role, and rrfctl prints that administrator's one-time link to set a password (rrfctl user set-password).
                """
        )
        @Argument(help: "The new user's login, e.g. amina.k.", transform: loginArgument) var login: String
        @Option(help: "The user's full name.") var name: String
        @Option(help: "E-mail address.") var email: String?
        @Option(name: .customLong("role"), help: "A role (repeat): admin, secretariat, reviewer, fund_manager, finance_officer, trainer, ngo_user.")
        var roles: [String] = []
        @Option(name: .customLong("organisation"), help: "Code of an organisation the user belongs to (repeat; exactly one for ngo_user).")
        var organisations: [String] = []
        @OptionGroup var options: ChangeOptions

        var output: OutputOptions { options.output }

        func result() throws -> Annotated<UserRecord, String?> {
            let parsedRoles = Set(try roles.map(parsedRole))
            guard Credentials.token() == nil else {
                let record = try options.store().addUser(
                    login: login, displayName: name, email: email, roles: parsedRoles, organisations: organisations, as: options.actor.login ?? ""
                )
                return Annotated(value: record, note: nil)
            }
            // Nobody is signed in: only the very first user is added this way, by the operator who holds the database.
            let store = options.database.store().via(.cli)
            let record = try store.addUser(login: login, displayName: name, email: email, roles: parsedRoles, organisations: organisations, as: nil)
            return Annotated(value: record, note: try store.firstAdministratorInvitation(record.login))
        }

        func show(_ result: Annotated<UserRecord, String?>) {
            result.value.printForPeople()
            guard let link = result.note else { return }
            print("""

                \(result.value.login) is the first administrator. Set their password (once, within 72 hours) with:
                  rrfctl user set-password --link \(link)
                then sign in with `rrfctl login --login \(result.value.login)`.
                """)
        }
    }

    struct Edit: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Change a user's name, e-mail address or roles (administrator); what is not given stays.",
            discussion: "Example: rrfctl user edit amina.k --email amina@fund.example --role secretariat --role trainer --as admin"
        )
        @Argument(help: "The user's login.", transform: loginArgument) var login: String
        @Option(help: "The user's full name.") var name: String?
        @Option(help: "E-mail address.") var email: String?
        @Option(name: .customLong("role"), help: "A role (repeat; replaces every role): admin, secretariat, reviewer, fund_manager, finance_officer, trainer, ngo_user.")
        var roles: [String] = []
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> UserRecord {
            let changes = UserChanges(displayName: name, email: email, roles: roles.isEmpty ? nil : Set(try roles.map(parsedRole)))
            return try store.editUser(login, changes, expectedVersion: version.expectedVersion, as: actor)
        }
    }

    struct Deactivate: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "deactivate",
            abstract: "Deactivate a user (administrator): they keep their history but can no longer act or receive notifications."
        )
        @Argument(help: "The user's login.", transform: loginArgument) var login: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> UserRecord {
            try store.deactivateUser(login, expectedVersion: version.expectedVersion, as: actor)
        }
    }

    struct Reactivate: StoreChange {
        static let configuration = CommandConfiguration(commandName: "reactivate", abstract: "Reactivate a deactivated user (administrator).")
        @Argument(help: "The user's login.", transform: loginArgument) var login: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> UserRecord {
            try store.reactivateUser(login, expectedVersion: version.expectedVersion, as: actor)
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List users.")
        @Option(help: "Only users with this role.") var role: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws { try requireOneOf(role, Role.allCases.map(\.rawValue), option: "--role") }

        func perform(_ store: FundStore) throws -> Page<UserRecord> {
            try store.users(role: try role.map(parsedRole), limit: page.limit, after: page.after)
        }

        func show(_ records: Page<UserRecord>) {
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

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one user.")
        @Argument(help: "The user's login.", transform: loginArgument) var login: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> UserRecord { try store.user(login) }
    }
}

/// A role as typed on the command line, e.g. `fund_manager`.
private func parsedRole(_ text: String) throws -> Role {
    guard let role = Role(rawValue: text.lowercased()) else {
        throw StoreError(.rejected, code: "role_unknown", "\"\(text)\" is not a role; use one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
    }
    return role
}

extension UserRecord: HumanReadable {
    /// The user's fields.
    func printForPeople() {
        printFields([
            ("Login", login), ("Name", displayName), ("Status", status(self)), ("E-mail", email),
            ("Roles", roles.map(\.rawValue).joined(separator: ", ")),
            ("Organisations", organisations.isEmpty ? nil : organisations.joined(separator: ", ")),
            ("Version", "\(version)"),
        ])
    }
}

/// `active`, or `deactivated since <day>`.
private func status(_ record: UserRecord) -> String {
    record.deactivatedAt.map { "deactivated since \(ISO8601DateFormatter().string(from: $0).prefix(10))" } ?? "active"
}
