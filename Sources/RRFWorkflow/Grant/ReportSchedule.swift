/// Whether a report is an interim one or the final one.
public enum ReportKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// An interim narrative and financial report.
    case interim
    /// The final narrative and financial report; its acceptance lets the grant close.
    case final
}

/// One report a grant owes: the period it covers and its due date.
public struct ReportSpec: Hashable, Sendable, Codable {
    /// Interim or final.
    public let kind: ReportKind
    /// The first day covered.
    public let periodStart: LocalDate
    /// The last day covered.
    public let periodEnd: LocalDate
    /// The last day to submit it.
    public let dueDate: LocalDate

    /// Creates a report specification.
    public init(kind: ReportKind, periodStart: LocalDate, periodEnd: LocalDate, dueDate: LocalDate) {
        self.kind = kind
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.dueDate = dueDate
    }
}

/// Derives the reports a grant owes from its dates, risk and number of tranches.
///
/// Rules: interim reports cover consecutive periods from the start date, for every period that ends before the
/// project's end date, and are due 30 days after their period ends. A period is 6 months (low risk), 3 months
/// (medium) or 2 months (high), shortened when the project is too short for that — to the project's whole
/// months divided by its number of tranches, at least one month — so that every tranche after the first has
/// an interim report to release it on (a 6-month low-risk grant in two tranches reports after 3 months). The
/// final report covers the whole project and is due 60 days after the end date.
public enum ReportSchedule {
    /// Days after a period's end to submit an interim report.
    public static let interimGraceDays = 30
    /// Days after the project's end to submit the final report.
    public static let finalGraceDays = 60

    /// The months covered by each interim report for a risk rating under the standard policy.
    public static func interimMonths(for risk: RiskRating) -> Int {
        TranchePolicy.standardInterimReportMonths[risk] ?? 6
    }

    /// The reports, in due order, for a project from `start` to `end` (inclusive) paid in `tranches` tranches,
    /// with the standard policy's report period for `risk`.
    public static func reports(from start: LocalDate, to end: LocalDate, risk: RiskRating, tranches: Int) -> [ReportSpec] {
        reports(from: start, to: end, periodMonths: interimMonths(for: risk), tranches: tranches)
    }

    /// The reports, in due order, for a project from `start` to `end` (inclusive) paid in `tranches` tranches,
    /// an interim report every `periodMonths` months unless the project is too short for that.
    public static func reports(from start: LocalDate, to end: LocalDate, periodMonths: Int, tranches: Int) -> [ReportSpec] {
        let months = min(max(1, periodMonths), max(1, wholeMonths(from: start, to: end) / max(1, tranches)))
        var reports: [ReportSpec] = []
        var periodStart = start
        var index = 1
        while true {
            let periodEnd = start.adding(months: index * months).adding(days: -1)
            guard periodEnd < end else { break }
            reports.append(ReportSpec(kind: .interim, periodStart: periodStart, periodEnd: periodEnd, dueDate: periodEnd.adding(days: interimGraceDays)))
            periodStart = periodEnd.adding(days: 1)
            index += 1
        }
        reports.append(ReportSpec(kind: .final, periodStart: start, periodEnd: end, dueDate: end.adding(days: finalGraceDays)))
        return reports
    }

    /// The number of whole months from `start` to `end` inclusive (2026-12-01 to 2027-05-31: 6).
    static func wholeMonths(from start: LocalDate, to end: LocalDate) -> Int {
        var months = 0
        while start.adding(months: months + 1).adding(days: -1) <= end { months += 1 }
        return months
    }
}
