import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `--as <login>`: an administrator acting for another person, explicitly (recorded as the administrator acting
/// for them; never their second pair of eyes). Everyone else acts as who they signed in as (`rrfctl login`).
struct ActorOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Administrators only: act for this person (recorded as you acting for them). Others act as who they signed in as.", valueName: "login"))
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

/// `--limit` / `--offset` for lists.
struct PageOptions: ParsableArguments {
    @Option(help: "At most this many rows (1–1000).")
    var limit = 50
    @Option(help: "Skip this many rows first.")
    var offset = 0

    func validate() throws {
        if !(1...1000).contains(limit) { throw ValidationError("--limit must be between 1 and 1000.") }
        if offset < 0 { throw ValidationError("--offset cannot be negative.") }
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
func money(_ text: String) throws -> Money { try parsed { () throws(WorkflowRejection) in try Money(parsing: text) } }

/// A date as typed on the command line: `2026-11-22`.
func date(_ text: String) throws -> LocalDate { try parsed { () throws(WorkflowRejection) in try LocalDate(parsing: text) } }

/// An instant as typed on the command line or in a file: RFC 3339 (`2026-11-22T17:00:00Z`, `…+03:00`), or a
/// date read as `bareDate` says in the fund's zone (UTC for rrfctl); everything else is refused (``InstantText``).
func instant(_ text: String, option: String, bareDate: InstantText.BareDate = .startOfDay) throws -> Date {
    try parsed { () throws(WorkflowRejection) in
        try InstantText.parse(text, field: option, bareDate: bareDate, utcOffsetMinutes: BusinessCalendar.mondayToFriday.utcOffsetMinutes)
    }
}

/// The bytes of a file (`-` reads standard input), with a sentence when it cannot be read (exit code 74).
private func readFile(_ path: String) throws -> Data {
    do {
        return path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw FileProblem(message: "The file \(path) cannot be read; check its path and permissions.")
    }
}

/// A UTF-8 text file (`-` reads standard input); `advice` says how to save it when it is not UTF-8.
func readText(_ path: String, saveAs advice: String) throws -> String {
    guard let text = String(data: try readFile(path), encoding: .utf8) else {
        throw StoreError(.rejected, code: "file_invalid", "The file \(path) is not UTF-8 text; \(advice).")
    }
    return text
}

/// Reads a JSON or YAML file (by extension; `-` reads JSON from stdin) into `T`, with a sentence on failure.
func decodeFile<T: Decodable>(_ path: String, as type: T.Type) throws -> T {
    let data = try readFile(path)
    let isYAML = path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    do {
        if isYAML {
            return try YAMLInput.decode(T.self, from: data)
        }
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as WorkflowRejection {
        throw StoreError(error)
    } catch let error as DecodingError {
        throw StoreError(.rejected, code: "file_invalid", "The file \(path) is not a valid \(isYAML ? "YAML" : "JSON") document of the expected shape: \(describe(error))")
    } catch {
        throw StoreError(.rejected, code: "file_invalid", "The file \(path) is not valid \(isYAML ? "YAML" : "JSON"); check its syntax.")
    }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "the document" : keys.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
        let prefix = path(context)
        return "the field \(prefix == "the document" ? key.stringValue : prefix + "." + key.stringValue) is missing."
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "the field \(path(context)) has the wrong type."
    case .dataCorrupted(let context):
        if let rejection = context.underlyingError as? WorkflowRejection { return rejection.message }
        return "the field \(path(context)) is not valid."
    @unknown default:
        return "check its fields."
    }
}
