import Foundation

/// Times as people and files write them: RFC 3339 / ISO 8601, read strictly and completely, the one parser of
/// every command, file and API field that takes a time (issue 17).
///
/// Accepted: `2026-12-01T17:00:00Z`, `2026-12-01T17:00Z`, `2026-12-01t17:00:00.999z`, `2026-12-01 20:00:00+03:00`,
/// `2026-12-01T20:00+0300`, and — where the caller says what it means — a bare date `2026-12-01`, the fund's whole
/// day (its first instant or its last second). Refused, each with its reason: a day that does not exist, hours,
/// minutes or seconds out of range, an offset no time zone has (beyond −12:00 … +14:00), a time without an
/// offset, more than nine fraction digits, and anything after the time.
public enum InstantText {
    /// What a bare date means where a time is asked for.
    public enum BareDate: Sendable {
        /// Its first instant in the fund's zone (e.g. when to open a call).
        case startOfDay
        /// Its last second in the fund's zone: a deadline given as a day includes that whole day.
        case endOfDay
    }

    /// The instant `text` names. `field` names the input in the refusal (e.g. `--since`, `The submission
    /// deadline`); `bareDate` says what a date alone means (nil: a date alone is refused); `utcOffsetMinutes` is
    /// the fund's zone, which a bare date is read in.
    /// - Throws: `time_invalid`, naming the field and the reason.
    public static func parse(
        _ text: String, field: String, bareDate: BareDate?, utcOffsetMinutes: Int
    ) throws(WorkflowRejection) -> Date {
        var scanner = Scanner(bytes: Array(text.utf8))
        do {
            let day = try scanner.date()
            if scanner.atEnd {
                guard let bareDate else { throw Reason("a date alone is not a time here; add the time and its offset") }
                let start = day.start(utcOffsetMinutes: utcOffsetMinutes)
                return bareDate == .startOfDay ? start : day.adding(days: 1).start(utcOffsetMinutes: utcOffsetMinutes).addingTimeInterval(-1)
            }
            guard let separator = scanner.next(), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(separator) else {
                throw Reason("a date is followed by T and the time")
            }
            let seconds = try scanner.timeOfDay()
            let offset = try scanner.offsetMinutes()
            guard scanner.atEnd else { throw Reason("there is more text after the time") }
            let whole = Double(day.dayNumber) * 86_400 + seconds - Double(offset * 60)
            return Date(timeIntervalSince1970: whole)
        } catch let reason as Reason {
            throw WorkflowRejection(
                code: "time_invalid",
                message: "\(field) \(text.debugDescription) is not a time: \(reason.text); write it like 2026-12-01T17:00:00Z, "
                    + "2026-12-01T20:00:00+03:00\(bareDate == nil ? "" : " or 2026-12-01")."
            )
        } catch {
            throw WorkflowRejection(code: "time_invalid", message: "\(field) \(text.debugDescription) is not a time.")
        }
    }

    /// Why a text is not a time.
    private struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// Reads the parts of a time from the left.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position == bytes.count }

        mutating func next() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func expect(_ character: Character, _ reason: String) throws {
            guard next() == character.asciiValue else { throw Reason(reason) }
        }

        /// Exactly `count` ASCII digits as a number.
        mutating func digits(_ count: Int, _ reason: String) throws -> Int {
            var value = 0
            for _ in 0..<count {
                guard let byte = next(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw Reason(reason) }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }

        mutating func date() throws -> LocalDate {
            let shape = "a date is written YYYY-MM-DD with a four-digit year"
            let year = try digits(4, shape)
            try expect("-", shape)
            let month = try digits(2, shape)
            try expect("-", shape)
            let day = try digits(2, shape)
            guard (1...12).contains(month) else { throw Reason("there is no month \(month)") }
            guard year >= 1, day >= 1, day <= LocalDate.daysInMonth(year: year, month: month),
                  let date = try? LocalDate(year: year, month: month, day: day) else {
                throw Reason(String(format: "%04d-%02d has no day %d", year, month, day))
            }
            return date
        }

        /// Seconds since midnight, with the fraction.
        mutating func timeOfDay() throws -> Double {
            let shape = "a time is written HH:MM or HH:MM:SS"
            let hour = try digits(2, shape)
            try expect(":", shape)
            let minute = try digits(2, shape)
            var second = 0, fraction = 0.0
            if position < bytes.count, bytes[position] == UInt8(ascii: ":") {
                position += 1
                second = try digits(2, shape)
                if position < bytes.count, bytes[position] == UInt8(ascii: ".") || bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    var scale = 0.1, count = 0
                    while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                        fraction += Double(bytes[position] - UInt8(ascii: "0")) * scale
                        scale /= 10
                        count += 1
                        position += 1
                    }
                    guard (1...9).contains(count) else { throw Reason("a fraction of a second has one to nine digits") }
                }
            }
            guard hour <= 23, minute <= 59, second <= 59 else {
                throw Reason(String(format: "%02d:%02d:%02d is not a time of day", hour, minute, second))
            }
            return Double(hour * 3600 + minute * 60 + second) + fraction
        }

        /// The offset from UTC in minutes: `Z`, `±HH:MM`, `±HHMM` or `±HH`.
        mutating func offsetMinutes() throws -> Int {
            guard let sign = next() else { throw Reason("a time needs its offset from UTC, e.g. Z or +03:00") }
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") { return 0 }
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { throw Reason("a time needs its offset from UTC, e.g. Z or +03:00") }
            let shape = "an offset is written Z, +HH:MM or -HH:MM"
            let hours = try digits(2, shape)
            var minutes = 0
            if position < bytes.count {
                if bytes[position] == UInt8(ascii: ":") { position += 1 }
                minutes = try digits(2, shape)
            }
            let total = hours * 60 + minutes
            guard minutes <= 59, sign == UInt8(ascii: "+") ? total <= 14 * 60 : total <= 12 * 60 else {
                throw Reason("no time zone is \(sign == UInt8(ascii: "+") ? "+" : "-")\(String(format: "%02d:%02d", hours, minutes)) from UTC (they range from -12:00 to +14:00)")
            }
            return sign == UInt8(ascii: "+") ? total : -total
        }
    }
}
