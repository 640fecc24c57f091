import Foundation

/// A CSV document (RFC 4180 with the usual tolerances): fields separated by commas, records by LF or CRLF;
/// a field in double quotes may hold commas, newlines and doubled quotes (`""`); a leading UTF-8 BOM is skipped.
public struct CSVRecord: Hashable, Sendable {
    /// The physical line (1-based) on which the record starts.
    public let line: Int
    public let fields: [String]
}

/// A CSV syntax error with its line.
public struct CSVSyntaxError: Error, Hashable, Sendable {
    public let line: Int
    public let message: String
}

public enum CSV {
    /// Parses `text` into records; blank lines are skipped.
    public static func parse(_ text: String) throws(CSVSyntaxError) -> [CSVRecord] {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedField = false
        var afterQuote = false
        var quoteLine = 1

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            quotedField = false
            afterQuote = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(CSVRecord(line: recordLine, fields: fields))
            }
            fields = []
        }

        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            if inQuotes {
                if scalar == "\"" {
                    if index < scalars.endIndex, scalars[index] == "\"" {
                        field.append("\"")
                        index = scalars.index(after: index)
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                endField()
            case "\r":
                // CR LF or a lone CR ends the record.
                if index < scalars.endIndex, scalars[index] == "\n" { index = scalars.index(after: index) }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                guard field.isEmpty, !quotedField else {
                    throw CSVSyntaxError(line: line, message: "a double quote appears inside an unquoted field; put the whole field in double quotes and double the quote (\"\")")
                }
                inQuotes = true
                quotedField = true
                quoteLine = line
            default:
                if afterQuote {
                    if scalar == " " || scalar == "\t" { continue }
                    throw CSVSyntaxError(line: line, message: "text follows a closing double quote; double the quote (\"\") to write one inside a quoted field")
                }
                field.append(scalar)
            }
        }
        if inQuotes {
            throw CSVSyntaxError(line: quoteLine, message: "a quoted field opened here is never closed; add the closing double quote")
        }
        if !field.isEmpty || !fields.isEmpty || quotedField {
            endRecord()
        }
        return records
    }
}

/// One participant line of an attendance sign-in sheet.
public struct ParticipantInput: Codable, Sendable, Equatable {
    public var name: String
    /// The organisation's code.
    public var organisation: String
    public var role: String
    public var gender: String
    public var attended: Bool
    public var passed: Bool
    /// 0–100, optional.
    public var score: Double?

    public init(name: String, organisation: String, role: String = "", gender: String = "", attended: Bool = true, passed: Bool = false, score: Double? = nil) {
        self.name = name
        self.organisation = organisation
        self.role = role
        self.gender = gender
        self.attended = attended
        self.passed = passed
        self.score = score
    }
}

/// A line-numbered problem of an attendance sheet.
public struct SheetProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The line (1-based, the first line of the record), or 0 for the sheet as a whole.
    public let line: Int
    public let message: String

    /// Creates a problem of `line` (0 for the sheet as a whole).
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

/// Reads attendance sign-in sheets: a header line naming the columns (any order, case-insensitive):
/// `name` and `organisation` (its code) are required; `role`, `gender`, `attended` (default yes), `passed`
/// (default no) and `score` (0–100) are optional. Yes/no columns accept yes/no, y/n, true/false, 1/0, x/empty.
public enum TrainingSheet {
    public static let columns = ["name", "organisation", "role", "gender", "attended", "passed", "score"]

    /// The participants with the line each came from, or every problem found (nothing is partially accepted).
    public static func read(_ text: String) -> (participants: [(line: Int, participant: ParticipantInput)], problems: [SheetProblem]) {
        let records: [CSVRecord]
        do {
            records = try CSV.parse(text)
        } catch {
            return ([], [SheetProblem(line: error.line, message: error.message + ".")])
        }
        guard let header = records.first else {
            return ([], [SheetProblem(line: 0, message: "The sheet is empty; it needs a header line (name,organisation,role,gender,attended,passed,score) and one line per participant.")])
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var position: [String: Int] = [:]
        var problems: [SheetProblem] = []
        for (index, name) in names.enumerated() {
            let column = name == "organization" || name == "org" ? "organisation" : name
            guard columns.contains(column) else {
                problems.append(SheetProblem(line: header.line, message: "unknown column \"\(name)\"; the columns are \(columns.joined(separator: ", "))."))
                continue
            }
            if position[column] != nil {
                problems.append(SheetProblem(line: header.line, message: "the column \"\(column)\" appears twice."))
            }
            position[column] = index
        }
        for required in ["name", "organisation"] where position[required] == nil {
            problems.append(SheetProblem(line: header.line, message: "the header has no \"\(required)\" column."))
        }
        guard problems.isEmpty else { return ([], problems) }
        if records.count == 1 {
            return ([], [SheetProblem(line: 0, message: "The sheet has a header but no participant; add one line per participant.")])
        }
        var participants: [(line: Int, participant: ParticipantInput)] = []
        for record in records.dropFirst() {
            func value(_ column: String) -> String {
                guard let index = position[column], index < record.fields.count else { return "" }
                return record.fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            var lineProblems: [String] = []
            if record.fields.count > names.count {
                lineProblems.append("it has \(record.fields.count) fields but the header has \(names.count); put fields holding commas in double quotes")
            }
            let name = value("name")
            if name.isEmpty { lineProblems.append("the name is empty") }
            let organisation = value("organisation")
            if organisation.isEmpty { lineProblems.append("the organisation code is empty") }
            func flag(_ column: String, default defaultValue: Bool) -> Bool {
                let text = value(column).lowercased()
                switch text {
                case "": return position[column] == nil ? defaultValue : false
                case "yes", "y", "true", "1", "x": return true
                case "no", "n", "false", "0": return false
                default:
                    lineProblems.append("\(column) is \"\(value(column))\"; write yes or no")
                    return false
                }
            }
            let attended = flag("attended", default: true)
            let passed = flag("passed", default: false)
            var score: Double?
            let scoreText = value("score")
            if !scoreText.isEmpty {
                if let number = Double(scoreText), number.isFinite, (0...100).contains(number) {
                    score = number
                } else {
                    lineProblems.append("the score \"\(scoreText)\" is not a number from 0 to 100")
                }
            }
            if passed && !attended { lineProblems.append("a participant who did not attend cannot pass") }
            if lineProblems.isEmpty {
                participants.append((record.line, ParticipantInput(
                    name: name, organisation: organisation, role: value("role"), gender: value("gender"),
                    attended: attended, passed: passed, score: score
                )))
            } else {
                problems.append(SheetProblem(line: record.line, message: lineProblems.joined(separator: "; ") + "."))
            }
        }
        return (problems.isEmpty ? participants : [], problems)
    }

    /// The name as shown: surrounding spaces removed, inner runs of spaces collapsed.
    public static func displayName(_ name: String) -> String {
        name.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The name that identifies a person within an organisation: spaces collapsed, case and accents folded.
    public static func personKey(_ name: String) -> String {
        displayName(name).folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }
}
