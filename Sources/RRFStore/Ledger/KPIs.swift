import Foundation
import Postgres
import RRFWorkflow

/// The fund's key performance indicators: the durations from the spans stored when they happened (``KPISpans``),
/// every other figure from the stored facts; ``FundStore/kpisRecomputed()`` computes them all from the facts.
///
/// Durations are counted in the fund's ``BusinessCalendar`` (weekends, holidays and working hours excluded).
/// Medians are the middle value (the mean of the two middle values for an even count); the 90th percentile
/// uses the nearest-rank method. Rates are percentages rounded to one decimal; `nil` when nothing was counted.
public struct FundKPIs: Codable, Sendable, Equatable {
    /// Proposals per state, e.g. `approved: 4`.
    public var proposalsByState: [String: Int]
    /// Submission → decision of the current round, per call kind (`reserve`, `standard`) and `all`.
    public var timeToDecision: [String: DurationStatistics]
    /// Approved / (approved + rejected) per cluster.
    public var approvalRates: [ClusterApprovalRate]
    /// Committed against each envelope.
    public var envelopeUse: [EnvelopeUse]
    /// Submission → first released tranche, per call kind and `all` (the SLA: the decision deadline plus 10 business days).
    public var timeToFirstDisbursement: [String: DurationStatistics]
    /// Released / committed over all signed grants, per currency, from the ledger: what a termination or closure
    /// de-committed is no longer committed.
    public var disbursement: [Disbursement]
    /// Reports not yet in (scheduled, due or returned) whose due date has passed, of grants still running (active,
    /// suspended or closing); the same rule as a report's overdue flag.
    public var overdueReports: Int
    /// Distinct people who passed a training, per organisation and gender (`unspecified` when not given).
    public var trainedStaff: [TrainedStaff]

    public struct Disbursement: Codable, Sendable, Equatable {
        public var committed: Money
        public var released: Money
        public var ratePercent: Double?
    }

    public struct TrainedStaff: Codable, Sendable, Equatable {
        public var organisation: String
        public var gender: String
        public var people: Int
    }

    /// How long something took over a set of proposals, against its service level.
    public struct DurationStatistics: Codable, Sendable, Equatable {
        public var count: Int
        public var medianBusinessHours: Double?
        public var p90BusinessHours: Double?
        public var medianBusinessDays: Double?
        public var p90BusinessDays: Double?
        /// How many finished within their service level (e.g. the decision by `decision_due`).
        public var withinSLA: Int
        /// `withinSLA` as a percentage of `count`.
        public var withinSLAPercent: Double?
    }

    /// Decisions in one cluster.
    public struct ClusterApprovalRate: Codable, Sendable, Equatable {
        public var cluster: Cluster
        public var approved: Int
        public var rejected: Int
        /// Failed screening.
        public var ineligible: Int
        public var approvalRatePercent: Double?
    }

    /// One envelope of one call.
    public struct EnvelopeUse: Codable, Sendable, Equatable {
        public var call: String
        public var cluster: Cluster
        public var envelope: Money
        public var committed: Money
        public var usePercent: Double?
    }
}

/// Statistics over a list of numbers.
enum Statistics {
    /// The middle value (the mean of the two middle values for an even count), nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// The nearest-rank percentile (`p` in 1…100), nil when empty.
    static func percentile(_ p: Int, of values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[nearestRankIndex(p, count: values.count)]
    }

    /// The index, in `count` sorted values (`count` > 0), of the nearest-rank percentile `p`.
    static func nearestRankIndex(_ p: Int, count: Int) -> Int {
        let rank = Int((Double(p) / 100 * Double(count)).rounded(.up))
        return max(0, min(count - 1, rank - 1))
    }

    /// `part / whole` in percent, one decimal; nil when `whole` is zero.
    static func percent(_ part: Int64, of whole: Int64) -> Double? {
        guard whole != 0 else { return nil }
        return (Double(part) * 1000 / Double(whole)).rounded() / 10
    }
}

extension FundKPIs.DurationStatistics {
    /// Statistics over (start, end, deadline) triples, durations measured in `calendar`.
    init(_ spans: [(start: Date, end: Date, deadline: Date)], calendar: BusinessCalendar) {
        let hours = spans.map { calendar.businessSeconds(from: $0.start, to: $0.end) / 3600 }
        let hoursPerDay = Double(calendar.workdayEndMinute - calendar.workdayStartMinute) / 60
        let days = hours.map { $0 / hoursPerDay }
        count = spans.count
        medianBusinessHours = Statistics.median(hours).map(Self.oneDecimal)
        p90BusinessHours = Statistics.percentile(90, of: hours).map(Self.oneDecimal)
        medianBusinessDays = Statistics.median(days).map(Self.oneDecimal)
        p90BusinessDays = Statistics.percentile(90, of: days).map(Self.oneDecimal)
        withinSLA = spans.filter { $0.end <= $0.deadline }.count
        withinSLAPercent = Statistics.percent(Int64(withinSLA), of: Int64(count))
    }

    /// Statistics over `count` spans, `withinSLA` of them by their deadline, from their order statistics alone:
    /// `seconds(offset, length, ascending)` gives `length` business-second values from `offset` of the spans sorted
    /// ascending or descending (fewer when the stored spans are missing some: those figures are then nil). Gives
    /// exactly what ``init(_:calendar:)`` gives over the same spans.
    init(
        count: Int, withinSLA: Int, calendar: BusinessCalendar, seconds: (_ offset: Int, _ length: Int, _ ascending: Bool) throws -> [Double]
    ) throws {
        self.count = count
        self.withinSLA = withinSLA
        withinSLAPercent = Statistics.percent(Int64(withinSLA), of: Int64(count))
        guard count > 0 else { return }
        let hoursPerDay = Double(calendar.workdayEndMinute - calendar.workdayStartMinute) / 60
        let middle = try seconds((count - 1) / 2, count.isMultiple(of: 2) ? 2 : 1, true).map { $0 / 3600 }
        let top = try seconds(count - 1 - Statistics.nearestRankIndex(90, count: count), 1, false).map { $0 / 3600 }
        let pair = count.isMultiple(of: 2)
        if let low = middle.first, let high = middle.last, middle.count == (pair ? 2 : 1) {
            medianBusinessHours = Self.oneDecimal(pair ? (low + high) / 2 : low)
            medianBusinessDays = Self.oneDecimal(pair ? (low / hoursPerDay + high / hoursPerDay) / 2 : low / hoursPerDay)
        }
        if let p90 = top.first {
            p90BusinessHours = Self.oneDecimal(p90)
            p90BusinessDays = Self.oneDecimal(p90 / hoursPerDay)
        }
    }

    static func oneDecimal(_ value: Double) -> Double { (value * 10).rounded() / 10 }
}
