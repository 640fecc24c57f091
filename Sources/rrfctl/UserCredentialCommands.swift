import ArgumentParser
import Foundation
import RRFStore

/// The public address of the portal, for the links the outbox sends: `RRF_PUBLIC_URL`, default `http://localhost:8080`.
var publicBaseURL: String { ProcessInfo.processInfo.environment["RRF_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://localhost:8080" }

extension UserCommand {
    struct Invite: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "invite",
            abstract: "Send a user a one-time link to set their password (administrator; 72 hours, single use, by e-mail)."
        )
        @Argument(help: "The user's login.", transform: loginArgument) var login: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> CredentialLinkRecord {
            try store.inviteUser(login, baseURL: publicBaseURL, as: actor)
        }

        func show(_ link: CredentialLinkRecord) {
            print("An invitation was sent to \(link.login); it works once, until \(ISO8601DateFormatter().string(from: link.expiresAt)).")
        }
    }

    struct SetPassword: PrintingCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set your password with the one-time link of an invitation or a password reset.",
            discussion: """
                The password is read from the terminal (not shown), or from the first line of standard input or of \
                --password-file. At least 12 characters, not a common password. For the roles that move money or grant \
                rights (admin, fund_manager, finance_officer) it prints a one-time-password secret for your \
                authenticator app and ten recovery codes: keep them; they are shown once.
                """
        )
        @Option(help: "The link's token (the part after the last / of the link), or the whole link.") var link: String
        @Option(name: .customLong("password-file"), help: ArgumentHelp("Read the password from this file's first line (- for standard input).", valueName: "file"))
        var passwordFile: String?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        /// What `--json` prints: whether an enrolment was made, never its secret.
        struct Outcome: Encodable {
            let passwordSet: Bool
            let oneTimePasswordEnrolled: Bool
            /// Shown to the person once, never printed as JSON.
            let enrolment: Enrolment?

            private enum CodingKeys: String, CodingKey { case passwordSet, oneTimePasswordEnrolled }
        }

        func result() throws -> Outcome {
            let token = String(link.split(separator: "/").last ?? "")
            let password = try SecretInput.read(prompt: "New password: ", file: passwordFile)
            let enrolment = try database.store().via(.cli).acceptCredentialLink(token: token, password: password)
            return Outcome(passwordSet: true, oneTimePasswordEnrolled: enrolment != nil, enrolment: enrolment)
        }

        func show(_ outcome: Outcome) {
            print("Your password is set. Sign in with `rrfctl login`.")
            guard let enrolment = outcome.enrolment else { return }
            print("""

                Your role signs in with a one-time code too. Add this account to your authenticator app
                (scan or paste the URI, or type the secret), then give its 6-digit code to `rrfctl login --code`:
                  URI:    \(enrolment.uri)
                  Secret: \(enrolment.secret)
                Recovery codes (each works once, instead of a code, if you lose the app; keep them safe):
                """)
            enrolment.recoveryCodes.forEach { print("  \($0)") }
        }
    }

    struct ResetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Ask for a password-reset link, sent to the account's e-mail address.",
            discussion: "The answer is the same whether or not the login exists."
        )
        @Argument(help: "The login whose password to reset.", transform: loginArgument) var login: String
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingFailures {
                try database.store().via(.cli).requestPasswordReset(login, baseURL: publicBaseURL)
                print("If \(login) has an account with an e-mail address, a reset link is on its way; it works once, for 72 hours.")
            }
        }
    }

    struct Unlock: StoreChange {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Lift the lock-out of an account after repeated failed sign-ins (administrator).")
        @Argument(help: "The user's login.", transform: loginArgument) var login: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as actor: String) throws -> String {
            try store.unlockUser(login, as: actor)
            return login
        }

        func show(_ login: String) { print("\(login) can sign in again.") }
    }
}
