import Foundation

/// One review of an import sheet, as read from its line.
public struct ReviewImportEntry: Sendable, Equatable {
    public let line: Int
    /// The proposal's reference, upper case.
    public let reference: String
    /// The reviewer's login, lower case.
    public let reviewer: String
    /// Score per criterion id (cells left empty are absent).
    public let scores: [String: Int]
    public let comments: String?
}

/// The review import sheet the secretariat fills in: a header `reference,reviewer,<criterion id>…,comments`
/// (`reviewer login`, `reviewer_login` and `login` also name the reviewer column), then one row per review.
/// Every row is applied or none: ``requireAllValid(_:rows:)`` refuses the sheet listing every invalid row.
public enum ReviewImportSheet {
    /// Reads a CSV text into reviews, one per data row with the row's line; a row's problem is kept as its
    /// refusal, for ``requireAllValid(_:rows:)`` to list.
    /// - Throws: `csv_invalid`, `import_empty`, `import_header_invalid`.
    public static func read(_ text: String) throws(WorkflowRejection) -> [(line: Int, entry: Result<ReviewImportEntry, WorkflowRejection>)] {
        let records: [CSVRecord]
        do { records = try CSV.parse(text) } catch {
            throw WorkflowRejection(code: "csv_invalid", message: "Line \(error.line): \(error.message); nothing was imported.")
        }
        guard let header = records.first else {
            throw WorkflowRejection(code: "import_empty", message: "The file is empty; give a header line and one line per review.")
        }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let referenceColumn = columns.firstIndex(of: "reference")
        let reviewerColumn = columns.firstIndex { ["reviewer", "reviewer login", "reviewer_login", "login"].contains($0) }
        let commentsColumn = columns.firstIndex(of: "comments")
        guard let referenceColumn, let reviewerColumn else {
            throw WorkflowRejection(
                code: "import_header_invalid",
                message: "Line \(header.line): the header must name the columns reference, reviewer, one per criterion id, and comments."
            )
        }
        let criterionColumns = columns.indices.filter { ![referenceColumn, reviewerColumn, commentsColumn].contains($0) }
        let rows = records.dropFirst()
        guard !rows.isEmpty else {
            throw WorkflowRejection(code: "import_empty", message: "The file has a header but no reviews; add one line per review.")
        }
        var seen: [String: Int] = [:]
        return rows.map { row in
            (row.line, Result { () throws(WorkflowRejection) -> ReviewImportEntry in
                guard row.fields.count == columns.count else {
                    throw WorkflowRejection(code: "import_row_invalid", message: "it has \(row.fields.count) fields, the header has \(columns.count).")
                }
                let reference = row.fields[referenceColumn].trimmingCharacters(in: .whitespaces).uppercased()
                let reviewer = row.fields[reviewerColumn].trimmingCharacters(in: .whitespaces).lowercased()
                if let first = seen["\(reference) \(reviewer)"] {
                    throw WorkflowRejection(code: "import_row_duplicate", message: "it repeats the review of \(reference) by \(reviewer) on line \(first).")
                }
                seen["\(reference) \(reviewer)"] = row.line
                var scores: [String: Int] = [:]
                for column in criterionColumns {
                    let cell = row.fields[column].trimmingCharacters(in: .whitespaces)
                    if cell.isEmpty { continue }
                    guard let value = Int(cell) else {
                        throw WorkflowRejection(code: "score_not_a_number", message: "the score \"\(cell)\" for \(columns[column]) is not a whole number.")
                    }
                    scores[columns[column]] = value
                }
                return ReviewImportEntry(
                    line: row.line, reference: reference, reviewer: reviewer, scores: scores, comments: commentsColumn.map { row.fields[$0] }
                )
            })
        }
    }

    /// The problems of the sheet's format (CSV syntax, header, a row's fields or numbers), each naming its line;
    /// none when every row can be read. The rules of the fund (the proposal, the reviewer, the scores' range) are
    /// the store's to check on import.
    public static func formatProblems(_ text: String) -> [String] {
        do {
            return try read(text).compactMap { row in
                guard case .failure(let problem) = row.entry else { return nil }
                return "line \(row.line): \(problem.message)"
            }
        } catch {
            return [error.message]
        }
    }

    /// Refuses the import when any row failed (`errors`, each "line N: …"), out of `rows`.
    /// - Throws: `import_invalid`.
    public static func requireAllValid(_ errors: [String], rows: Int) throws(WorkflowRejection) {
        guard errors.isEmpty else {
            throw WorkflowRejection(
                code: "import_invalid", message: "Nothing was imported: \(errors.count) of \(rows) rows are invalid.\n" + errors.joined(separator: "\n")
            )
        }
    }
}
