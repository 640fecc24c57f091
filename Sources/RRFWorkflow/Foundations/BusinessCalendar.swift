import Foundation

/// The fund's working calendar: weekend days, public holidays, working hours and a fixed offset from UTC.
///
/// Used for deadlines in business days and for the reserve call's decision SLA in business hours (72 hours).
/// Rules:
/// - A business day is a day that is neither a weekend day nor a holiday.
/// - Business time is `[workdayStartMinute, workdayEndMinute)` local time on business days.
public struct BusinessCalendar: Hashable, Sendable, Codable {
    /// The weekend days (e.g. Saturday and Sunday, or Friday and Saturday).
    public let weekend: Set<Weekday>
    /// Public holidays.
    public let holidays: Set<LocalDate>
    /// Start of the working day in minutes after local midnight (e.g. 480 for 08:00).
    public let workdayStartMinute: Int
    /// End of the working day in minutes after local midnight (e.g. 1020 for 17:00).
    public let workdayEndMinute: Int
    /// The fund's fixed offset from UTC in minutes (e.g. 180 for UTC+3).
    public let utcOffsetMinutes: Int

    /// Creates a calendar.
    /// - Throws: `calendar_invalid` when every day is a weekend day, the working hours are empty or outside
    ///   the day, or the offset is beyond ±14 hours.
    public init(
        weekend: Set<Weekday> = [.saturday, .sunday],
        holidays: Set<LocalDate> = [],
        workdayStartMinute: Int = 8 * 60,
        workdayEndMinute: Int = 17 * 60,
        utcOffsetMinutes: Int = 0
    ) throws(WorkflowRejection) {
        guard weekend.count < 7 else {
            throw BusinessCalendar.invalid("every day of the week is a weekend day; keep at least one working day")
        }
        guard 0 <= workdayStartMinute, workdayStartMinute < workdayEndMinute, workdayEndMinute <= 24 * 60 else {
            throw BusinessCalendar.invalid("the working day must start before it ends, within 00:00–24:00")
        }
        guard abs(utcOffsetMinutes) <= 14 * 60 else {
            throw BusinessCalendar.invalid("the offset from UTC must be within ±14 hours")
        }
        self.weekend = weekend
        self.holidays = holidays
        self.workdayStartMinute = workdayStartMinute
        self.workdayEndMinute = workdayEndMinute
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Monday to Friday, 08:00–17:00 UTC, no holidays.
    public static let mondayToFriday = BusinessCalendar(
        consistentWeekend: [.saturday, .sunday], workdayStartMinute: 8 * 60, workdayEndMinute: 17 * 60
    )

    private init(consistentWeekend weekend: Set<Weekday>, workdayStartMinute: Int, workdayEndMinute: Int) {
        self.weekend = weekend
        self.holidays = []
        self.workdayStartMinute = workdayStartMinute
        self.workdayEndMinute = workdayEndMinute
        self.utcOffsetMinutes = 0
    }

    /// Whether `date` is neither a weekend day nor a holiday.
    public func isBusinessDay(_ date: LocalDate) -> Bool {
        !weekend.contains(date.weekday) && !holidays.contains(date)
    }

    /// The `count`-th business day after `date` (before it when negative); `date` itself is not counted,
    /// so Friday + 1 business day is Monday with a Saturday–Sunday weekend, and `count` 0 returns `date`.
    public func addingBusinessDays(_ count: Int, to date: LocalDate) -> LocalDate {
        let step = count < 0 ? -1 : 1
        var remaining = abs(count)
        var current = date
        while remaining > 0 {
            current = current.adding(days: step)
            if isBusinessDay(current) { remaining -= 1 }
        }
        return current
    }

    /// The number of business days in `(from, to]`: the inverse of ``addingBusinessDays(_:to:)``.
    /// Negative (the count in `(to, from]`) when `to` is before `from`.
    public func businessDays(from: LocalDate, to: LocalDate) -> Int {
        guard from <= to else { return -businessDays(from: to, to: from) }
        var count = 0
        var current = from
        while current < to {
            current = current.adding(days: 1)
            if isBusinessDay(current) { count += 1 }
        }
        return count
    }

    /// The instant `hours` business hours after `start`. A start outside business time first moves to the
    /// next opening; a deadline that falls exactly at closing time stays at closing time.
    public func addingBusinessHours(_ hours: Int, to start: Date) -> Date {
        var remaining = Double(max(0, hours) * 3600)
        var cursor = nextBusinessMoment(atOrAfter: start)
        while true {
            let closing = closingTime(of: LocalDate(cursor, utcOffsetMinutes: utcOffsetMinutes))
            let available = closing.timeIntervalSince(cursor)
            if remaining <= available { return cursor.addingTimeInterval(remaining) }
            remaining -= available
            cursor = nextBusinessMoment(atOrAfter: closing)
        }
    }

    /// The business time between two instants in seconds (0 when `end` is not after `start`).
    public func businessSeconds(from start: Date, to end: Date) -> TimeInterval {
        var total: TimeInterval = 0
        var cursor = nextBusinessMoment(atOrAfter: start)
        while cursor < end {
            let closing = closingTime(of: LocalDate(cursor, utcOffsetMinutes: utcOffsetMinutes))
            total += min(closing, end).timeIntervalSince(cursor)
            cursor = nextBusinessMoment(atOrAfter: closing)
        }
        return total
    }

    /// The number of whole business hours between two instants (business seconds / 3600, rounded down).
    public func businessHours(from start: Date, to end: Date) -> Int {
        Int(businessSeconds(from: start, to: end) / 3600)
    }

    /// `instant` when it is within business time, otherwise the next opening time.
    private func nextBusinessMoment(atOrAfter instant: Date) -> Date {
        var day = LocalDate(instant, utcOffsetMinutes: utcOffsetMinutes)
        if isBusinessDay(day) {
            let opening = openingTime(of: day)
            if instant < opening { return opening }
            if instant < closingTime(of: day) { return instant }
        }
        repeat {
            day = day.adding(days: 1)
        } while !isBusinessDay(day)
        return openingTime(of: day)
    }

    private func openingTime(of day: LocalDate) -> Date {
        day.start(utcOffsetMinutes: utcOffsetMinutes).addingTimeInterval(Double(workdayStartMinute * 60))
    }

    private func closingTime(of day: LocalDate) -> Date {
        day.start(utcOffsetMinutes: utcOffsetMinutes).addingTimeInterval(Double(workdayEndMinute * 60))
    }

    private static func invalid(_ reason: String) -> WorkflowRejection {
        WorkflowRejection(code: "calendar_invalid", message: "The business calendar is not valid: \(reason).")
    }
}
