import ArgumentParser
import Postgres
import RRFStore

/// A command that produces one result and prints it: as JSON with `--json`, for people otherwise.
///
/// Its `run()` is given once for every command: produce the result, print it (a page of a list for people
/// followed by its ``PageNoting/pageNote``), then `conclude` (a verification
/// may refuse after showing what it found), all inside `reportingFailures`, so every command turns its errors
/// into the same sentences and exit codes. A command only says what it does (`result()`, or `perform` of the
/// refinements below) and how its result reads (`show`, often given by the result type's printer).
protocol PrintingCommand: ParsableCommand {
    /// What the command prints; `--json` prints exactly this value.
    associatedtype Result: Encodable

    /// `--json`.
    var output: OutputOptions { get }

    /// Does the command's work.
    func result() throws -> Result

    /// Prints the result for people.
    func show(_ result: Result) throws

    /// Refuses after the result is printed, e.g. when a verification found problems; by default it accepts.
    func conclude(_ result: Result) throws
}

extension PrintingCommand {
    func conclude(_ result: Result) throws {}

    func run() throws {
        try reportingFailures {
            let value = try result()
            if output.json {
                try printJSON(value)
            } else {
                try show(value)
                if let note = (value as? any PageNoting)?.pageNote { print(note) }
            }
            try conclude(value)
        }
    }
}

/// A command that reads: `--database-url` and `--json`, nothing else of its own.
protocol ReadingCommand: PrintingCommand {
    /// `--database-url`, `--json`.
    var options: ReadOptions { get }
}

extension ReadingCommand {
    var output: OutputOptions { options.output }
}

/// A read of the fund's store.
protocol StoreQuery: ReadingCommand {
    /// What `perform` returns and the command prints (stated again here so that `perform` determines it).
    associatedtype Result

    /// Runs the read on `store`.
    func perform(_ store: FundStore) throws -> Result
}

extension StoreQuery {
    func result() throws -> Result { try perform(options.database.signedInStore()) }
}

/// A read an operator runs with the database alone, as nobody (`audit verify`): trusted with what the
/// database holds, like `db migrate`.
protocol OperatorQuery: StoreQuery {}

extension OperatorQuery {
    func result() throws -> Result { try perform(options.database.store()) }
}

/// A change to the fund, made through the store by the signed-in person (or the one an administrator acts for).
protocol StoreChange: PrintingCommand {
    /// What `perform` returns and the command prints (stated again here so that `perform` determines it).
    associatedtype Result

    /// `--as`, `--database-url`, `--json`.
    var options: ChangeOptions { get }

    /// Runs the change on `store` as `login`: empty for the signed-in person, or the person an administrator
    /// acts for (`--as`); the store checks it against the sign-in.
    func perform(_ store: FundStore, as login: String) throws -> Result
}

extension StoreChange {
    var output: OutputOptions { options.output }

    func result() throws -> Result {
        try perform(try options.store(), as: options.actor.login ?? "")
    }
}

/// A command on one plain connection, for what is not the fund's store: the schema and the job queue.
protocol ConnectionCommand: ReadingCommand {
    /// What `perform` returns and the command prints (stated again here so that `perform` determines it).
    associatedtype Result

    /// Runs the command on `connection`.
    func perform(on connection: Connection) throws -> Result
}

extension ConnectionCommand {
    func result() throws -> Result {
        let connection = try Connection(options.database.configuration)
        defer { connection.close() }
        return try perform(on: connection)
    }
}

/// A result with something its human text also shows (e.g. the amount a deposit parsed); `--json` prints the
/// result alone.
struct Annotated<Value: Encodable, Note>: Encodable {
    let value: Value
    let note: Note

    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// A result that prints itself for people; a command whose result is one needs no `show` of its own.
protocol HumanReadable {
    /// Prints the value for people: fields, or a table.
    func printForPeople()
}

/// A record whose lists print as one table.
protocol TablePrintable {
    /// Prints `records` as a table.
    static func printTable(_ records: [Self])
}

extension HumanReadable where Self: TablePrintable {
    /// One record as a table of one row.
    func printForPeople() { Self.printTable([self]) }
}

extension Array: HumanReadable where Element: TablePrintable {
    func printForPeople() { Element.printTable(self) }
}

extension PrintingCommand where Result: HumanReadable {
    func show(_ result: Result) { result.printForPeople() }
}
