import ArgumentParser
import Foundation
import Postgres
import RRFStore

/// Runs a command body and turns every error into a plain sentence on stderr and a documented exit code;
/// technical detail (SQLSTATE, constraint) is added only with `RRF_DEBUG=1`.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch let error as FileProblem {
        fail(error.message, code: 74, detail: error.underlying)
    } catch let error as DataProblem {
        fail(error.message, code: 65, detail: nil)
    } catch let error as PageCursorError {
        fail("\(error.description) Run the list again without --after.", code: 64, detail: nil)
    } catch let error as StoreError {
        fail(error.message + (error.code == "cursor_invalid" ? " Run the list again without --after." : ""),
             code: error.code == "cursor_invalid" ? 64 : exitCode(for: error), detail: error.underlying?.description)
    } catch let error as PostgresError {
        switch error.kind {
        case .connectionFailed:
            fail("\(error.message.prefix(1).uppercased())\(error.message.dropFirst()). \(error.hint ?? "")", code: 69, detail: nil)
        case .connectionClosed:
            fail("The connection to the database was lost. Check that PostgreSQL is running, then run the command again.", code: 69, detail: error.description)
        case .server, .decoding, .timeout, .misuse:
            fail("The command failed because of an unexpected database error. Run it again with RRF_DEBUG=1 for details and report it.", code: 1, detail: error.description)
        }
    } catch {
        fail("The command failed unexpectedly (\(error.localizedDescription)). Run it again with RRF_DEBUG=1 for details and report it.", code: 1, detail: String(describing: error))
    }
}

/// A file the command had to read or write could not be (exit code 74).
struct FileProblem: Error {
    /// What went wrong and what to do, for people.
    let message: String
    /// The system's own description, shown with `RRF_DEBUG=1`.
    var underlying: String?
}

/// A file whose content is not in its format: empty, not UTF-8, bad syntax, a field missing, unknown or of the
/// wrong type (exit code 65, sysexits' EX_DATAERR). Content in its format that breaks a rule of the fund is a
/// store refusal (exit code 3).
struct DataProblem: Error {
    /// What is wrong, naming the file, the line where known, and the field, and what to do.
    let message: String
}

/// The exit code of a store error: the fund's own codes for its refusals, sysexits' for the rest (69 the
/// database is unavailable, 77 no sign-in, 78 configuration).
private func exitCode(for error: StoreError) -> Int32 {
    switch error.kind {
    case .rejected: 3
    case .notFound: 4
    case .conflict: 5
    case .forbidden: 6
    case .unauthenticated: 77
    case .configuration: [.connectionFailed, .connectionClosed, .timeout].contains(error.underlying?.kind) ? 69 : 78
    case .internal: 1
    }
}

private func fail(_ message: String, code: Int32, detail: String?) -> Never {
    var text = "error: \(shortened(message))\n"
    if let detail, ProcessInfo.processInfo.environment["RRF_DEBUG"] == "1" { text += "detail: \(detail)\n" }
    printError(text)
    exit(code)
}

/// `message` with every word longer than 400 characters (a refusal quoting a 100 KB value) cut in its middle,
/// so the sentence around it, which says what was wrong and what to do, stays readable. Shorter words, file
/// paths among them, stay whole: the operator needs them to find the file.
func shortened(_ message: String) -> String {
    message.split(separator: " ", omittingEmptySubsequences: false).map { word in
        word.count <= 400 ? String(word) : "\(word.prefix(200))…(\(word.count - 260) characters left out)…\(word.suffix(60))"
    }.joined(separator: " ")
}
