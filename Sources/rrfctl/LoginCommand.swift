import ArgumentParser
import Foundation
import RRFStore

/// `rrfctl login`: sign in as a person; later commands act as them.
struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in: later commands act as you until the sign-in expires (7 days) or you log out.",
        discussion: """
            The password is read from the terminal (not shown), or from the first line of standard input or of \
            --password-file. The roles that move money or grant rights (admin, fund_manager, finance_officer) \
            give the 6-digit code of their authenticator app with --code, or are asked for it, or give a recovery \
            code instead. The token is saved in ~/.config/rrf/token (or RRF_TOKEN_FILE), readable by you only; \
            scripts can set RRF_TOKEN to an API token (rrfctl token create) instead. After 5 failures in a row \
            the account locks for 15 minutes (longer each time) and the administrators are told.
            """
    )
    @Option(help: "Your login.", transform: loginArgument) var login: String
    @Option(help: "The 6-digit code of your authenticator app, or a recovery code.") var code: String?
    @Option(name: .customLong("password-file"), help: ArgumentHelp("Read the password from this file's first line (- for standard input).", valueName: "file"))
    var passwordFile: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingFailures {
            let store = database.store().via(.cli)
            let password = try SecretInput.read(prompt: "Password for \(login): ", file: passwordFile)
            let issued: IssuedToken
            do {
                issued = try store.signIn(login: login, password: password, code: code, label: "rrfctl on \(ProcessInfo.processInfo.hostName)")
            } catch let error as StoreError where error.code == "one_time_code_required" && code == nil && isatty(STDIN_FILENO) == 1 {
                let typed = try SecretInput.read(prompt: "One-time code: ", file: nil)
                issued = try store.signIn(login: login, password: password, code: typed, label: "rrfctl on \(ProcessInfo.processInfo.hostName)")
            }
            try Credentials.save(issued.secret)
            print("Signed in as \(issued.record.login) until \(ISO8601DateFormatter().string(from: issued.record.expiresAt)).")
        }
    }
}

/// `rrfctl logout`: end the saved sign-in.
struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "End your sign-in and forget its token.")
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingFailures {
            if Credentials.token() != nil { try database.signedInStore().signOut() }
            Credentials.forget()
            print("Signed out.")
        }
    }
}

/// `rrfctl whoami`: the signed-in person.
struct WhoamiCommand: StoreQuery {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show who you are signed in as.")
    @OptionGroup var options: ReadOptions

    func perform(_ store: FundStore) throws -> UserRecord { try store.whoami() }
}

/// `rrfctl token`: sign-ins and API tokens.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "List, create and revoke your sign-ins and API tokens (administrators: everyone's).",
        subcommands: [List.self, Create.self, Revoke.self]
    )

    struct List: StoreChange {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List live sign-ins and API tokens (never their secrets).")
        @Flag(name: .customLong("all"), help: "Everyone's (administrators).") var everyone = false
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> [AccessTokenRecord] { try store.accessTokens(everyone: everyone, as: actor) }

        func show(_ tokens: [AccessTokenRecord]) {
            var table = TextTable("ID", "LOGIN", "KIND", "LABEL", "SOURCE", "EXPIRES", "LAST USED")
            let format = ISO8601DateFormatter()
            for token in tokens {
                table.add(
                    token.id.uuidString.lowercased(), token.login, token.kind.rawValue, token.label, token.source, format.string(from: token.expiresAt),
                    token.lastUsedAt.map(format.string(from:)) ?? "-"
                )
            }
            print(table.render())
        }
    }

    struct Create: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an API token for scripts (RRF_TOKEN); it is printed once, keep it secret."
        )
        @Option(help: "What the token is for, e.g. \"nightly IATI export\".") var label: String
        @Option(help: "How many days it lasts (1–90).") var days = 30
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> Annotated<AccessTokenRecord, String> {
            let issued = try store.createAPIToken(label: label, days: days, as: actor)
            return Annotated(value: issued.record, note: issued.secret)
        }

        func show(_ result: Annotated<AccessTokenRecord, String>) {
            print("API token \(result.value.id.uuidString.lowercased()) until \(ISO8601DateFormatter().string(from: result.value.expiresAt)):")
            print(result.note)
            print("It is shown this once; set RRF_TOKEN to it in the script's environment.")
        }
    }

    struct Revoke: StoreChange {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a sign-in or API token: it stops working at once.")
        @Argument(help: "The token's id (rrfctl token list).") var id: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> AccessTokenRecord {
            guard let uuid = UUID(uuidString: id) else {
                throw StoreError(.rejected, code: "token_id_invalid", "\"\(id)\" is not a token id; copy it from `rrfctl token list`.")
            }
            return try store.revokeToken(uuid, as: actor)
        }

        func show(_ token: AccessTokenRecord) { print("Token \(token.id.uuidString.lowercased()) of \(token.login) is revoked.") }
    }
}
