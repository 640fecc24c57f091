import Foundation
import JobQueue
import Testing

@Suite struct CronTests {
    private func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    @Test func parsesFieldsRangesStepsListsAndNames() throws {
        let cron = try CronExpression("*/15 9-17/4 1,15 jan-mar mon-fri")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == [9, 13, 17])
        #expect(cron.daysOfMonth == [1, 15])
        #expect(cron.months == [1, 2, 3])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("@hourly") == CronExpression("0 * * * *"))
    }

    @Test func rejectsMalformedExpressions() {
        for text in ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * * * *", "1,,2 * * * *"] {
            #expect(throws: CronExpression.ParseError.self, "\(text)") { try CronExpression(text) }
        }
    }

    @Test func nextTickFindsTheFollowingMatchingMinute() throws {
        #expect(try CronExpression("*/5 * * * *").nextTick(after: date("2026-11-22T10:03:30Z")) == date("2026-11-22T10:05:00Z"))
        #expect(try CronExpression("*/5 * * * *").nextTick(after: date("2026-11-22T10:05:00Z")) == date("2026-11-22T10:10:00Z"))
        #expect(try CronExpression("30 2 * * *").nextTick(after: date("2026-11-22T10:00:00Z")) == date("2026-11-23T02:30:00Z"))
        // 2026-11-22 is a Sunday; next Monday 08:00.
        #expect(try CronExpression("0 8 * * mon").nextTick(after: date("2026-11-22T10:00:00Z")) == date("2026-11-23T08:00:00Z"))
        #expect(try CronExpression("0 0 29 2 *").nextTick(after: date("2026-11-22T10:00:00Z")) == date("2028-02-29T00:00:00Z"))
        #expect(try CronExpression("0 0 31 2 *").nextTick(after: date("2026-11-22T10:00:00Z")) == nil)
        // Both day fields restricted: either matches (the 1st, or any Friday).
        #expect(try CronExpression("0 12 1 * fri").nextTick(after: date("2026-11-22T00:00:00Z")) == date("2026-11-27T12:00:00Z"))
        #expect(try CronExpression("0 12 1 * fri").nextTick(after: date("2026-11-27T12:00:00Z")) == date("2026-12-01T12:00:00Z"))
    }

    @Test func ticksBetweenTwoDates() throws {
        let ticks = try CronExpression("0 * * * *").ticks(after: date("2026-11-22T10:00:00Z"), through: date("2026-11-22T13:00:00Z"))
        #expect(ticks == [date("2026-11-22T11:00:00Z"), date("2026-11-22T12:00:00Z"), date("2026-11-22T13:00:00Z")])
    }

    @Test func nextTickHonoursTheTimeZone() throws {
        let nairobi = TimeZone(identifier: "Africa/Nairobi")!  // UTC+3
        #expect(try CronExpression("0 9 * * *").nextTick(after: date("2026-11-22T00:00:00Z"), timeZone: nairobi) == date("2026-11-22T06:00:00Z"))
    }

    @Test func backoffDoublesUpToTheMaximumAndJitterOnlyShortens() {
        let backoff = Backoff(base: .seconds(2), maximum: .seconds(60), jitter: 0.5)
        #expect((1...7).map { backoff.nominalDelay(afterAttempt: $0) } == [2, 4, 8, 16, 32, 60, 60])
        #expect(backoff.delay(afterAttempt: 3, random: 0) == 8)
        #expect(backoff.delay(afterAttempt: 3, random: 1) == 4)
        #expect(Backoff(jitter: 0).delay(afterAttempt: 100) == 3600)
    }
}
