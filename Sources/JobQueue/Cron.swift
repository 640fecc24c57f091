import Foundation

/// A 5-field cron expression — minute hour day-of-month month day-of-week — evaluated in a time zone (UTC by
/// default). Fields accept `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b,c`, month names
/// (`jan`…) and weekday names (`sun`…; 0 and 7 are Sunday). As in Vixie cron, when both day fields are
/// restricted a day matches if either matches. Macros: `@yearly`, `@annually`, `@monthly`, `@weekly`,
/// `@daily`, `@midnight`, `@hourly`.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    /// The text it was parsed from (not part of equality).
    public let description: String

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        (lhs.minutes, lhs.hours, lhs.daysOfMonth, lhs.months, lhs.daysOfWeek) == (rhs.minutes, rhs.hours, rhs.daysOfMonth, rhs.months, rhs.daysOfWeek)
            && lhs.dayOfMonthRestricted == rhs.dayOfMonthRestricted && lhs.dayOfWeekRestricted == rhs.dayOfWeekRestricted
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
    }

    private static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let expanded = Self.macros[trimmed] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "cron expression '\(text)' must have 5 fields (minute hour day month weekday), has \(fields.count)")
        }
        minutes = try Self.parseField(fields[0], name: "minute", range: 0...59, names: [])
        hours = try Self.parseField(fields[1], name: "hour", range: 0...23, names: [])
        daysOfMonth = try Self.parseField(fields[2], name: "day of month", range: 1...31, names: [])
        months = try Self.parseField(fields[3], name: "month", range: 1...12, names: Self.monthNames, nameOffset: 1)
        let weekdays = try Self.parseField(fields[4], name: "day of week", range: 0...7, names: Self.dayNames)
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
        description = text
    }

    private static func parseField(_ field: String, name: String, range: ClosedRange<Int>, names: [String], nameOffset: Int = 0) throws -> Set<Int> {
        func value(_ text: Substring) throws -> Int {
            if let number = Int(text), range.contains(number) { return number }
            if let index = names.firstIndex(of: String(text)) { return index + nameOffset }
            throw ParseError(description: "'\(text)' is not a valid \(name) (\(range.lowerBound)-\(range.upperBound))")
        }
        var result = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let rangeText = pieces.first, !rangeText.isEmpty else {
                throw ParseError(description: "'\(part)' is not a valid \(name) field")
            }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw ParseError(description: "'\(pieces[1])' is not a valid step in the \(name) field")
                }
                step = parsed
            }
            let lower: Int
            let upper: Int
            if rangeText == "*" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = rangeText.firstIndex(of: "-") {
                lower = try value(rangeText[..<dash])
                upper = try value(rangeText[rangeText.index(after: dash)...])
                guard lower <= upper else { throw ParseError(description: "range '\(rangeText)' of the \(name) field is backwards") }
            } else {
                lower = try value(rangeText)
                upper = pieces.count == 2 ? range.upperBound : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    /// True when the minute starting at `date` (seconds ignored) matches.
    public func matches(_ date: Date, calendar: Calendar) -> Bool {
        let parts = calendar.dateComponents([.minute, .hour, .month], from: date)
        guard let minute = parts.minute, let hour = parts.hour, let month = parts.month else { return false }
        return minutes.contains(minute) && hours.contains(hour) && months.contains(month) && dayMatches(date, calendar: calendar)
    }

    /// The first matching minute strictly after `date`, or nil if none within five years (e.g. `0 0 31 2 *`).
    public func nextTick(after date: Date, timeZone: TimeZone = .gmt) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Start at the next whole minute.
        let start = floor(date.timeIntervalSinceReferenceDate / 60) * 60 + 60
        var candidate = Date(timeIntervalSinceReferenceDate: start)
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while candidate < limit {
            let parts = calendar.dateComponents([.month, .day, .hour], from: candidate)
            // Skip whole days / hours that cannot match, to stay fast for sparse expressions.
            if let month = parts.month, !months.contains(month) || !dayMatches(candidate, calendar: calendar) {
                guard let next = calendar.nextDate(after: candidate, matching: DateComponents(hour: 0, minute: 0), matchingPolicy: .nextTime) else { return nil }
                candidate = next
                continue
            }
            if let hour = parts.hour, !hours.contains(hour) {
                guard let next = calendar.nextDate(after: candidate, matching: DateComponents(minute: 0), matchingPolicy: .nextTime) else { return nil }
                candidate = next
                continue
            }
            if matches(candidate, calendar: calendar) { return candidate }
            candidate = candidate.addingTimeInterval(60)
        }
        return nil
    }

    private func dayMatches(_ date: Date, calendar: Calendar) -> Bool {
        let parts = calendar.dateComponents([.day, .weekday], from: date)
        guard let day = parts.day, let weekday = parts.weekday else { return false }
        let domMatch = daysOfMonth.contains(day)
        let dowMatch = daysOfWeek.contains(weekday - 1)
        if dayOfMonthRestricted && dayOfWeekRestricted { return domMatch || dowMatch }
        return domMatch && dowMatch
    }

    /// Every tick in `(after, through]`, oldest first (at most `limit`).
    public func ticks(after: Date, through: Date, timeZone: TimeZone = .gmt, limit: Int = 100) -> [Date] {
        var ticks: [Date] = []
        var cursor = after
        while ticks.count < limit, let next = nextTick(after: cursor, timeZone: timeZone), next <= through {
            ticks.append(next)
            cursor = next
        }
        return ticks
    }
}

/// A periodic job: at every tick of `expression`, enqueue `job` (its `runAt` is set to the tick).
public struct CronSchedule: Sendable, Equatable {
    /// Stable name; identifies the schedule in `cron_ticks`.
    public var name: String
    public var expression: CronExpression
    public var job: NewJob
    public var timeZone: TimeZone

    public init(name: String, expression: String, job: NewJob, timeZone: TimeZone = .gmt) throws {
        self.name = name
        self.expression = try CronExpression(expression)
        self.job = job
        self.timeZone = timeZone
    }
}
