import Foundation
import Postgres

/// The statements a server logged with `log_statement = all` and `log_line_prefix = '@@%p@@ '`, each with its
/// bind parameters put back in as the literals the log shows (`$1 = 'text'`, `$2 = NULL`), in the order the
/// server ran them: a script psql can replay.
enum CapturedStatements {
    static func parse(_ log: String) throws -> [String] {
        var entries: [String] = []
        for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("@@") {
                entries.append(String(line))
            } else if !entries.isEmpty {
                entries[entries.count - 1] += "\n" + line
            }
        }
        var statements: [String] = []
        for entry in entries {
            guard let end = entry.dropFirst(2).range(of: "@@ ") else { continue }
            let body = entry[end.upperBound...]
            if body.hasPrefix("LOG:  statement: ") {
                statements.append(String(body.dropFirst("LOG:  statement: ".count)))
            } else if body.hasPrefix("LOG:  execute "), case let named = body.dropFirst("LOG:  execute ".count), let colon = named.range(of: ": ") {
                statements.append(String(named[colon.upperBound...]))
            } else if body.hasPrefix("DETAIL:  parameters: ") || body.hasPrefix("DETAIL:  Parameters: "), let last = statements.popLast() {
                statements.append(try substitute(parameters(body.dropFirst("DETAIL:  parameters: ".count)), into: last))
            } else if body.hasPrefix("ERROR:") {
                throw PostgresError(.misuse, "the captured run had an error, so its replay would differ: \(body.prefix(300))")
            }
        }
        return statements
    }

    /// `$1 = 'a', $2 = NULL, …` as the literal of each parameter number.
    private static func parameters(_ text: Substring) throws -> [Int: String] {
        var values: [Int: String] = [:]
        var rest = text[...]
        while !rest.isEmpty {
            guard rest.hasPrefix("$") else { throw PostgresError(.misuse, "unexpected parameter list: \(text.prefix(200))") }
            let digits = rest.dropFirst().prefix { $0.isNumber }
            guard let number = Int(digits) else { throw PostgresError(.misuse, "unexpected parameter list: \(text.prefix(200))") }
            rest = rest.dropFirst(1 + digits.count)
            guard rest.hasPrefix(" = ") else { throw PostgresError(.misuse, "unexpected parameter list: \(text.prefix(200))") }
            rest = rest.dropFirst(3)
            if rest.hasPrefix("NULL") {
                values[number] = "NULL"
                rest = rest.dropFirst(4)
            } else {
                guard rest.hasPrefix("'") else { throw PostgresError(.misuse, "unexpected parameter value: \(rest.prefix(200))") }
                var index = rest.index(after: rest.startIndex)
                while true {
                    guard let quote = rest[index...].firstIndex(of: "'") else { throw PostgresError(.misuse, "an unterminated parameter value") }
                    let next = rest.index(after: quote)
                    if next < rest.endIndex, rest[next] == "'" { index = rest.index(after: next); continue }
                    values[number] = String(rest[..<next])
                    rest = rest[next...]
                    break
                }
            }
            if rest.hasPrefix(", ") { rest = rest.dropFirst(2) }
        }
        return values
    }

    /// `sql` with each `$n` outside quoted literals replaced by parameter n's literal.
    private static func substitute(_ values: [Int: String], into sql: String) throws -> String {
        var result = ""
        var quoted = false
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            if character == "'" { quoted.toggle() }
            if !quoted, character == "$", case let digits = sql[sql.index(after: index)...].prefix(while: { $0.isASCII && $0.isNumber }), !digits.isEmpty {
                guard let value = values[Int(digits)!] else { throw PostgresError(.misuse, "no value logged for $\(digits)") }
                result += value
                index = digits.endIndex
                continue
            }
            result.append(character)
            index = sql.index(after: index)
        }
        return result
    }
}
