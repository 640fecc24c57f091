import Foundation

/// One participant admitted to a session's roster.
public struct RosterEntry: Sendable, Equatable {
    /// The name as recorded (spaces tidied).
    public let name: String
    /// The name's matching key (``TrainingSheet/personKey(_:)``).
    public let key: String
    public let organisationID: UUID
    public let participant: ParticipantInput
}

/// The rules of a session's roster: who may be recorded at once, every problem reported by line, nothing
/// recorded unless every line is valid.
public enum TrainingRoster {
    /// Admits `participants` (with the line each came from, 0 for a single one typed on the command line) to
    /// the session `session`, which holds `alreadyRecorded` people (their `organisation id:key` in `recorded`)
    /// and room for `capacity`; `organisations` maps the codes found to their ids.
    /// - Throws: `participant_invalid` (a single participant) or `attendance_sheet_invalid` listing every problem.
    public static func admit(
        _ participants: [(line: Int, participant: ParticipantInput)], organisations: [String: UUID], recorded: Set<String>,
        session: String, capacity: Int, alreadyRecorded: Int
    ) throws(WorkflowRejection) -> [RosterEntry] {
        var problems: [SheetProblem] = []
        var firstLine: [String: Int] = [:]
        var entries: [RosterEntry] = []
        for (line, participant) in participants {
            let name = TrainingSheet.displayName(participant.name)
            let code = participant.organisation.trimmingCharacters(in: .whitespaces).uppercased()
            var lineProblems = fieldProblems(name: name, participant)
            guard let organisationID = organisations[code] else {
                lineProblems.append("no organisation has the code \"\(participant.organisation)\"")
                problems.append(SheetProblem(line: line, message: lineProblems.joined(separator: "; ") + "."))
                continue
            }
            let key = TrainingSheet.personKey(name)
            let person = organisationID.uuidString.lowercased() + ":" + key
            if recorded.contains(person) {
                lineProblems.append("\(name) of \(code) is already recorded in \(session)")
            } else if let first = firstLine[person] {
                lineProblems.append("\(name) of \(code) is already on line \(first)")
            } else {
                firstLine[person] = line
            }
            if lineProblems.isEmpty {
                entries.append(RosterEntry(name: name, key: key, organisationID: organisationID, participant: participant))
            } else {
                problems.append(SheetProblem(line: line, message: lineProblems.joined(separator: "; ") + "."))
            }
        }
        if problems.isEmpty, alreadyRecorded + entries.count > capacity {
            problems.append(SheetProblem(
                line: 0, message: "\(session) has room for \(capacity) participants and \(alreadyRecorded) are recorded; \(entries.count) more do not fit."
            ))
        }
        if participants.count == 1, participants[0].line == 0, let problem = problems.first {
            throw WorkflowRejection(code: "participant_invalid", message: problem.message.prefix(1).uppercased() + problem.message.dropFirst())
        }
        try requireNoProblems(problems)
        return entries
    }

    /// Refuses a sheet with problems, listing them all (nothing is recorded).
    /// - Throws: `attendance_sheet_invalid`.
    public static func requireNoProblems(_ problems: [SheetProblem]) throws(WorkflowRejection) {
        guard problems.isEmpty else {
            throw WorkflowRejection(
                code: "attendance_sheet_invalid",
                message: "The attendance sheet was not imported (nothing was recorded); fix \(problems.count == 1 ? "this problem" : "these \(problems.count) problems") and import it again:\n"
                    + problems.map { "  \($0)" }.joined(separator: "\n")
            )
        }
    }

    /// Refuses a participant whose name, role, gender or score breaks the rules, before any session is looked at.
    /// - Throws: `participant_invalid`.
    public static func requireValidFields(_ participant: ParticipantInput) throws(WorkflowRejection) {
        if let first = fieldProblems(name: TrainingSheet.displayName(participant.name), participant).first {
            throw WorkflowRejection(code: "participant_invalid", message: first.prefix(1).uppercased() + first.dropFirst())
        }
    }

    private static func fieldProblems(name: String, _ participant: ParticipantInput) -> [String] {
        var problems: [String] = []
        // As on a sheet, line breaks and tabs inside a cell are tidied to spaces; other control characters are refused.
        let role = TrainingSheet.displayName(participant.role), gender = TrainingSheet.displayName(participant.gender)
        for (text, field, maximum, required) in [(name, "name", 200, true), (role, "role", 200, false), (gender, "gender", 50, false)] {
            do throws(WorkflowRejection) {
                _ = required ? try Validate.text(text, field: field, maximum: maximum) : try Validate.optionalText(text, field: field, maximum: maximum)
            } catch {
                var phrase = error.message.prefix(1).lowercased() + error.message.dropFirst()
                if phrase.hasSuffix(".") { phrase.removeLast() }
                problems.append(phrase)
            }
        }
        if let score = participant.score, !(score.isFinite && (0...100).contains(score)) { problems.append("the score must be from 0 to 100") }
        if participant.passed && !participant.attended { problems.append("a participant who did not attend cannot pass") }
        return problems
    }
}
