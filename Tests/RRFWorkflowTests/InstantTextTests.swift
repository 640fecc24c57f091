import Foundation
import RRFWorkflow
import Testing

/// Issue 17 item 1: one strict parser for every time a person or a file gives.
@Suite struct InstantTextTests {
    static func parse(_ text: String, bareDate: InstantText.BareDate? = .startOfDay, offset: Int = 0) throws(WorkflowRejection) -> Date {
        try InstantText.parse(text, field: "--since", bareDate: bareDate, utcOffsetMinutes: offset)
    }

    static let base = Date(timeIntervalSince1970: 1_796_144_400)  // 2026-12-01T17:00:00Z

    @Test(arguments: [
        ("2026-12-01T17:00:00Z", 0.0), ("2026-12-01t17:00:00z", 0), ("2026-12-01 17:00:00Z", 0), ("2026-12-01T17:00Z", 0),
        ("2026-12-01T20:00:00+03:00", 0), ("2026-12-01T20:00+0300", 0), ("2026-12-01T14:00:00-03", 0),
        ("2026-12-01T17:00:00.999Z", 0.999), ("2026-12-01T17:00:00,5Z", 0.5), ("2026-12-01T17:00:00.123456789Z", 0.123456789),
        ("2026-12-02T07:00:00+14:00", 0), ("2026-12-01T05:00:00-12:00", 0),
    ])
    func acceptedTimes(text: String, fraction: Double) throws {
        let parsed = try Self.parse(text)
        #expect(abs(parsed.timeIntervalSince(Self.base) - fraction) < 0.000_001, "\(text)")
    }

    @Test func aBareDateIsTheFundsWholeDay() throws {
        #expect(try Self.parse("2026-12-01", bareDate: .startOfDay) == Date(timeIntervalSince1970: 1_796_083_200))
        #expect(try Self.parse("2026-12-01", bareDate: .endOfDay) == Date(timeIntervalSince1970: 1_796_083_200 + 86_399))
        // In a fund at UTC+3 the day starts three hours earlier.
        #expect(try Self.parse("2026-12-01", bareDate: .startOfDay, offset: 180) == Date(timeIntervalSince1970: 1_796_083_200 - 3 * 3600))
        #expect(throws: WorkflowRejection.self) { try Self.parse("2026-12-01", bareDate: nil) }
    }

    @Test(arguments: [
        ("2026-12-01T17:00:00+25:00", "no time zone is +25:00"), ("2026-12-01T17:00:00+99:99", "no time zone"),
        ("2026-12-01T17:00:00+14:30", "no time zone"), ("2026-12-01T17:00:00-13:00", "no time zone"),
        ("2026-12-01T17:00:00Z'; --", "more text after the time"), ("2026-12-01T17:00:00Zgarbage", "more text after the time"),
        ("2027-02-30", "2027-02 has no day 30"), ("2027-02-29T10:00:00Z", "has no day 29"), ("2026-13-01", "no month 13"),
        ("10000-01-01T00:00:00Z", "four-digit year"), ("0000-01-01", "has no day"), ("2026-12-01T24:00:00Z", "not a time of day"),
        ("2026-12-01T17:60:00Z", "not a time of day"), ("2026-12-01T17:00:60Z", "not a time of day"),
        ("2026-12-01T17:00:00", "needs its offset"), ("2026-12-01T17:00:00.Z", "one to nine digits"),
        ("2026-12-01T17:00:00.1234567890Z", "one to nine digits"), ("2026-12-01X17:00Z", "followed by T"),
        ("", "four-digit year"), ("yesterday", "four-digit year"), ("2026-1-1", "four-digit year"), (" 2026-12-01", "four-digit year"),
        ("2026-12-01T17:00:00Z\u{0}", "more text"), ("2026-12-01T17:00:00Z\u{1B}[31m", "more text"), ("２０２６-12-01", "four-digit year"),
    ])
    func refusedTimes(text: String, reason: String) {
        let refusal = #expect(throws: WorkflowRejection.self) { try Self.parse(text) }
        #expect(refusal?.code == "time_invalid")
        #expect(refusal?.message.contains(reason) == true, "\(text): \(refusal?.message ?? "")")
        #expect(refusal?.message.hasPrefix("--since ") == true)
        // The text is quoted with its control characters escaped, never raw.
        #expect(refusal?.message.unicodeScalars.contains { $0.value < 0x20 } == false)
    }
}
