import Foundation

/// How long something took in the fund's business time, against its service level: the unit of the KPI
/// report's durations (submission → decision, submission → first released tranche).
public struct BusinessSpan: Hashable, Sendable {
    /// Business time from the start to the end, in seconds (``BusinessCalendar/businessSeconds(from:to:)``).
    public let businessSeconds: Double
    /// Whether it ended by its deadline.
    public let withinSLA: Bool

    /// The span from `start` to `end`, due by `deadline`, counted in `calendar`.
    public init(from start: Date, to end: Date, deadline: Date, calendar: BusinessCalendar) {
        businessSeconds = calendar.businessSeconds(from: start, to: end)
        withinSLA = end <= deadline
    }

    /// The first release's service level: the decision deadline plus 10 business days of the calendar's
    /// working hours (whole hours, rounded down: 90 for 08:00–17:00).
    public static func firstReleaseDeadline(decisionDue: Date, calendar: BusinessCalendar) -> Date {
        calendar.addingBusinessHours(10 * (calendar.workdayEndMinute - calendar.workdayStartMinute) / 60, to: decisionDue)
    }
}

extension BusinessCalendar {
    /// Everything that makes two calendars count business time differently, as one canonical text (weekend
    /// days and holidays sorted): equal texts count every span alike.
    public var canonicalText: String {
        let days = weekend.map(\.rawValue).sorted().map(String.init).joined(separator: ",")
        let holidayList = holidays.sorted().map(\.description).joined(separator: ",")
        return "weekend=\(days);holidays=\(holidayList);hours=\(workdayStartMinute)-\(workdayEndMinute);utc=\(utcOffsetMinutes)"
    }
}
