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
    } catch let error as StoreError {
        fail(error.message, code: exitCode(for: error.kind), detail: error.underlying?.description)
    } catch let error as PostgresError {
        switch error.kind {
        case .connectionFailed:
            fail("\(error.message.prefix(1).uppercased())\(error.message.dropFirst()). \(error.hint ?? "")", code: 7, detail: nil)
        case .connectionClosed:
            fail("The connection to the database was lost. Check that PostgreSQL is running, then run the command again.", code: 7, detail: error.description)
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

private func exitCode(for kind: StoreError.Kind) -> Int32 {
    switch kind {
    case .rejected: 3
    case .notFound: 4
    case .conflict: 5
    case .forbidden: 6
    case .unauthenticated: 77
    case .configuration: 7
    case .internal: 1
    }
}

private func fail(_ message: String, code: Int32, detail: String?) -> Never {
    var text = "error: \(shortened(message))\n"
    if let detail, ProcessInfo.processInfo.environment["RRF_DEBUG"] == "1" { text += "detail: \(detail)\n" }
    printError(text)
    exit(code)
}

/// `message` cut in its middle when it is longer than a screen (a refusal quoting a 100 KB value), keeping its
/// start, which says what was wrong, and its end, which says what to do.
func shortened(_ message: String, to limit: Int = 1_000) -> String {
    guard message.count > limit else { return message }
    let kept = limit / 2
    return "\(message.prefix(kept)) … (\(message.count - kept - 200) characters left out) … \(message.suffix(200))"
}
