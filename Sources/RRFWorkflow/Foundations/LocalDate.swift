import Foundation

/// A calendar day without time or time zone (proleptic Gregorian), e.g. a deadline or a certificate expiry date.
///
/// Stored as `YYYY-MM-DD` (ISO 8601). Day arithmetic goes through the day number since 1970-01-01, so it is
/// exact across months, leap years and year ends.
public struct LocalDate: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The year, 1…9999.
    public let year: Int
    /// The month, 1…12.
    public let month: Int
    /// The day of the month, 1…28/29/30/31.
    public let day: Int

    /// Creates a date after checking that it exists.
    /// - Throws: `date_invalid`.
    public init(year: Int, month: Int, day: Int) throws(WorkflowRejection) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LocalDate.daysInMonth(year: year, month: month)).contains(day) else {
            throw LocalDate.invalid(String(format: "%04d-%02d-%02d", year, month, day))
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses an ISO date such as `2026-11-22`.
    /// - Throws: `date_invalid`.
    public init(parsing text: String) throws(WorkflowRejection) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            throw LocalDate.invalid(text)
        }
        try self.init(year: year, month: month, day: day)
    }

    /// The day containing `instant` at a fixed offset from UTC (in minutes, e.g. 180 for UTC+3).
    public init(_ instant: Date, utcOffsetMinutes: Int) {
        let seconds = instant.timeIntervalSince1970 + Double(utcOffsetMinutes * 60)
        self.init(dayNumber: Int((seconds / 86_400).rounded(.down)))
    }

    /// The date `dayNumber` days after 1970-01-01 (negative before it).
    public init(dayNumber: Int) {
        // Howard Hinnant's civil_from_days.
        let shifted = dayNumber + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01 (negative before it).
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DD`.
    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// The day of the week.
    public var weekday: Weekday {
        let index = ((dayNumber + 3) % 7 + 7) % 7 // 1970-01-01 (day 0) was a Thursday (index 3)
        return Weekday.allCases[index]
    }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        LocalDate(dayNumber: dayNumber + days)
    }

    /// The date `months` months later (earlier when negative), clamping the day to the end of a shorter month:
    /// 2026-01-31 + 1 month = 2026-02-28; 2024-02-29 + 12 months = 2025-02-28.
    public func adding(months: Int) -> LocalDate {
        let monthIndex = year * 12 + (month - 1) + months
        let newYear = monthIndex / 12
        let newMonth = monthIndex % 12 + 1
        let newDay = min(day, LocalDate.daysInMonth(year: newYear, month: newMonth))
        return LocalDate(unchecked: newYear, month: newMonth, day: newDay)
    }

    /// The number of days from this date to `other` (negative when `other` is earlier).
    public func days(until other: LocalDate) -> Int {
        other.dayNumber - dayNumber
    }

    /// The instant this day starts at a fixed offset from UTC (in minutes).
    public func start(utcOffsetMinutes: Int) -> Date {
        Date(timeIntervalSince1970: Double(dayNumber * 86_400 - utcOffsetMinutes * 60))
    }

    /// Orders dates chronologically.
    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in `month` of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        let lengths = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return lengths[(month - 1 + 12) % 12]
    }

    /// Decodes a date from its ISO text, refusing invalid dates.
    public init(from decoder: any Decoder) throws {
        self = try decodeText(from: decoder) { (text) throws(WorkflowRejection) in try LocalDate(parsing: text) }
    }

    /// Encodes the date as its ISO text.
    public func encode(to encoder: any Encoder) throws {
        try encodeText(description, to: encoder)
    }

    private init(unchecked year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    private static func invalid(_ text: String) -> WorkflowRejection {
        WorkflowRejection(code: "date_invalid", message: "\"\(text)\" is not a valid date; write an existing date as YYYY-MM-DD, e.g. 2026-11-22.")
    }
}

/// A day of the week, numbered as in ISO 8601 (Monday = 1 … Sunday = 7).
public enum Weekday: Int, Hashable, Sendable, Codable, CaseIterable {
    /// Monday (1).
    case monday = 1
    /// Tuesday (2).
    case tuesday = 2
    /// Wednesday (3).
    case wednesday = 3
    /// Thursday (4).
    case thursday = 4
    /// Friday (5).
    case friday = 5
    /// Saturday (6).
    case saturday = 6
    /// Sunday (7).
    case sunday = 7
}
