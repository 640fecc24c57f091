import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `--as <login>`: an administrator acting for another person, explicitly (recorded as the administrator acting
/// for them; never their second pair of eyes). Everyone else acts as who they signed in as (`rrfctl login`).
struct ActorOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Administrators only: act for this person (recorded as you acting for them). Others act as who they signed in as.", valueName: "login"),
        transform: loginArgument)
    var login: String?
}

/// The options of a command that changes something: who does it, on which database, how to print the result.
struct ChangeOptions: ParsableArguments {
    @OptionGroup var actor: ActorOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions

    /// The store acting for the signed-in person (or the person an administrator acts for).
    func store() throws -> FundStore { try database.signedInStore(actingFor: actor.login) }
}

/// The options of a command that reads: on which database, how to print the result.
struct ReadOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions
}

/// `--expected-version`: refuse when the record changed since the version you saw.
struct VersionOptions: ParsableArguments {
    @Option(name: .customLong("expected-version"), help: ArgumentHelp("Refuse if the record's version is no longer this one.", valueName: "n"))
    var expectedVersion: Int?
}

/// `--limit` / `--after` for lists.
struct PageOptions: ParsableArguments {
    @Option(help: "At most this many rows (1–1000).")
    var limit = 50
    @Option(
        help: ArgumentHelp("Start after this cursor: the one the previous page named for the next page.", valueName: "cursor"),
        transform: { token in
            do { return try PageCursor(token: token) } catch {
                throw ValidationError("--after '\(token.prefix(60))' is not a cursor a page gave out; copy it from the previous page's last line, or leave it out.")
            }
        }
    )
    var after: PageCursor?

    func validate() throws {
        if !(1...1000).contains(limit) { throw ValidationError("--limit must be between 1 and 1000.") }
    }
}

extension DatabaseOptions {
    /// The fund's commands over a one-connection pool; refusals are not logged to the terminal (they are shown
    /// as sentences) unless RRF_LOG_LEVEL asks for it.
    func store() -> FundStore {
        FundStore(
            pool: ConnectionPool(configuration: configuration, maximumConnections: 1),
            logLevel: ProcessInfo.processInfo.environment["RRF_LOG_LEVEL"] ?? "critical"
        )
    }
}

/// Refuses as a usage error (exit code 64) a filter value that is none of `names`, listing them: an unknown value
/// would only ever match nothing.
func requireOneOf(_ value: String?, _ names: [String], option: String) throws {
    guard let value, !names.contains(value) else { return }
    throw ValidationError("\(option) \(value.debugDescription) is not one of: \(names.joined(separator: ", ")).")
}

/// The stored names of a state machine's states, for ``requireOneOf(_:_:option:)``.
func names<Name: StateName>(_ type: Name.Type) -> [String] { Name.allCases.map(\.rawValue) }

/// Parses a value with a workflow rule, turning its refusal into a store refusal (exit code 3).
func parsed<T>(_ parse: () throws(WorkflowRejection) -> T) throws -> T {
    do {
        return try parse()
    } catch {
        throw StoreError(error)
    }
}

/// Money as typed on the command line: `12500.50 USD`.
/// Money as typed for `field` (e.g. `--amount`); a refusal names the field.
func money(_ text: String, field: String) throws -> Money {
    try parsed { () throws(WorkflowRejection) in try Money(parsing: text, field: field) }
}

/// An option or argument transform applying a workflow `rule`: a value the rule refuses is a usage error (exit
/// code 64) naming the rule, before the database is asked.
func checkedArgument(_ rule: @escaping @Sendable (String, String) throws(WorkflowRejection) -> String) -> @Sendable (String) throws -> String {
    { text in
        do throws(WorkflowRejection) {
            return try rule(text, "value")
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// A record's code (an organisation, a call, a course) as an option or argument (``Validate/code(_:field:)``).
let codeArgument = checkedArgument(Validate.code)

/// A login as an option or argument (``Validate/login(_:field:)``).
let loginArgument = checkedArgument(Validate.login)

/// A date as typed on the command line for `option`: `2026-11-22`; a refusal names the option.
func date(_ text: String, option: String) throws -> LocalDate {
    try parsed { () throws(WorkflowRejection) in
        do throws(WorkflowRejection) {
            return try LocalDate(parsing: text)
        } catch {
            throw error.about(option)
        }
    }
}

/// An instant as typed on the command line or in a file: RFC 3339 (`2026-11-22T17:00:00Z`, `…+03:00`), or a
/// date read as `bareDate` says in the fund's zone (UTC for rrfctl); everything else is refused (``InstantText``).
func instant(_ text: String, option: String, bareDate: InstantText.BareDate = .startOfDay) throws -> Date {
    try parsed { () throws(WorkflowRejection) in
        try InstantText.parse(text, field: option, bareDate: bareDate, utcOffsetMinutes: BusinessCalendar.mondayToFriday.utcOffsetMinutes)
    }
}
