import Foundation
import RRFStore
import RRFWorkflow

/// The call set-up form as sent: every field as typed, read into a ``CallConfiguration`` with the refusal of the
/// first bad field named, so the page shows it beside that field.
struct CallSetupForm: Decodable {
    var csrf: String?
    var version: String?
    var code: String?
    var title: String?
    var kind: String?
    var currency: String?
    var ceiling: String?
    var submissionDeadline: String?
    var reviewDeadline: String?
    var slaDays: String?
    var envelopes: [String: String]?
    var scorecard: String?
    var passThreshold: String?
    var commentFloor: String?

    /// The form filled from a stored call, for editing.
    init(_ call: CallRecord, pages: Pages) {
        let configuration = call.configuration
        code = call.code
        title = configuration.title
        kind = configuration.kind.rawValue
        currency = configuration.currency.code
        ceiling = configuration.perProposalCeiling.amountText(grouped: false)
        submissionDeadline = pages.inputTime(configuration.submissionDeadline)
        reviewDeadline = pages.inputTime(configuration.reviewDeadline)
        if case .businessDays(let days) = configuration.decisionSLA { slaDays = "\(days)" }
        envelopes = Dictionary(uniqueKeysWithValues: call.envelopes.map { ($0.cluster.rawValue, $0.amount.amountText(grouped: false)) })
        scorecard = Self.lines(of: configuration.scorecard)
        passThreshold = "\(configuration.scorecard.passThreshold)"
        commentFloor = "\(configuration.scorecard.commentFloorPercent)"
    }

    /// The call the form describes, or the refusal of its first bad field with the field's name.
    func configuration(pages: Pages, quorum: Int, divergenceSpread: Int) throws(FieldRefusal) -> CallConfiguration {
        let currency = try FieldRefusal.at("currency") { () throws(WorkflowRejection) in try Currency(code: self.currency ?? "") }
        let kind = CallKind(rawValue: self.kind ?? "") ?? .standard
        var amounts: [Cluster: Money] = [:]
        for cluster in Cluster.allCases {
            guard let text = envelopes?[cluster.rawValue]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
            amounts[cluster] = try FieldRefusal.at("envelopes") { () throws(WorkflowRejection) in try Money(amount: text, currency: currency) }
        }
        let ceiling = try FieldRefusal.at("ceiling") { () throws(WorkflowRejection) in try Money(amount: self.ceiling ?? "", currency: currency) }
        let submission = try time(submissionDeadline, field: "submissionDeadline", pages: pages)
        let review = try time(reviewDeadline, field: "reviewDeadline", pages: pages)
        let sla: DecisionSLA = try slaDays?.nilIfEmpty.map { text throws(FieldRefusal) in
            guard let days = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw FieldRefusal(field: "sla", message: "The decision SLA \"\(text)\" is not a whole number of business days; give one like 10.")
            }
            return .businessDays(days)
        } ?? (kind == .reserve ? .reserveCall : .businessDays(10))
        return CallConfiguration(
            title: title ?? "", kind: kind, currency: currency, envelopes: amounts, perProposalCeiling: ceiling, submissionDeadline: submission,
            reviewDeadline: review, decisionSLA: sla, scorecard: try scorecardValue(), quorum: quorum, divergenceSpread: divergenceSpread
        )
    }

    /// A scorecard's criteria as the form shows them, one a line.
    static func lines(of scorecard: Scorecard) -> String {
        scorecard.criteria.map { "\($0.id); \($0.title); \($0.weight); \($0.maxScore)" }.joined(separator: "\n")
    }

    /// The scorecard typed one criterion a line (`id; title; weight; maximum score`), with its pass threshold and comment floor.
    func scorecardValue() throws(FieldRefusal) -> Scorecard {
        let lines = (scorecard ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var criteria: [Criterion] = []
        for (number, line) in lines.enumerated() {
            let parts = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 4, let weight = Int(parts[2]), let maximum = Int(parts[3]) else {
                throw FieldRefusal(field: "scorecard", message: "Line \(number + 1) of the scorecard is \"\(line)\"; write each criterion as id; title; weight; maximum score, e.g. relevance; Relevance to needs; 30; 5.")
            }
            criteria.append(Criterion(id: parts[0], title: parts[1], weight: weight, maxScore: maximum))
        }
        let threshold = Int((passThreshold ?? "").trimmingCharacters(in: .whitespaces)) ?? -1
        let floor = Int((commentFloor ?? "").trimmingCharacters(in: .whitespaces)) ?? 40
        return try FieldRefusal.at("scorecard") { () throws(WorkflowRejection) in try Scorecard(criteria: criteria, passThreshold: threshold, commentFloorPercent: floor) }
    }

    private func time(_ text: String?, field: String, pages: Pages) throws(FieldRefusal) -> Date {
        guard let date = pages.parseInputTime(text ?? "") else {
            throw FieldRefusal(field: field, message: "\"\(text ?? "")\" is not a date and time; pick one, e.g. 2026-12-15 17:00 (in the fund's time zone).")
        }
        return date
    }

    /// The field a refusal of the store is about, by its code.
    static func field(of code: String) -> String? {
        let fields: [(String, String)] = [
            ("call_code", "code"), ("title", "title"), ("envelope", "envelopes"), ("ceiling", "ceiling"), ("submission_deadline", "submissionDeadline"),
            ("deadlines_out_of_order", "reviewDeadline"), ("review_after_decision", "reviewDeadline"), ("decision_sla", "sla"), ("currency", "currency"),
            ("scorecard", "scorecard"), ("criteri", "scorecard"), ("pass_threshold", "scorecard"), ("comment_floor", "scorecard"),
        ]
        return fields.first { code.contains($0.0) }?.1
    }
}

/// A refused field of a form: which one, and the sentence to show beside it.
struct FieldRefusal: Error {
    let field: String?
    let message: String

    /// `body`'s refusal, as one of `field`.
    static func at<T>(_ field: String, _ body: () throws(WorkflowRejection) -> T) throws(FieldRefusal) -> T {
        do { return try body() } catch { throw FieldRefusal(field: field, message: error.message) }
    }
}
