import Foundation
import RRFWorkflow
import Testing

@Suite struct LocalDateTests {
    @Test func parsesAndFormats() throws {
        let date = try LocalDate(parsing: "2026-11-22")
        #expect(date.year == 2026 && date.month == 11 && date.day == 22)
        #expect(date.description == "2026-11-22")
        #expect(date.weekday == .sunday)
        #expect(day("1970-01-01").dayNumber == 0)
        #expect(day("1970-01-01").weekday == .thursday)
        #expect(day("1969-12-31").dayNumber == -1)
        #expect(day("1969-12-31").weekday == .wednesday)
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01", "", "2026-04-31", "1900-02-29", "2026-01-0a"])
    func refusesInvalid(text: String) {
        #expect(rejectionCode { try LocalDate(parsing: text) } == "date_invalid")
    }

    @Test func leapYears() {
        #expect(LocalDate.isLeapYear(2024) && LocalDate.isLeapYear(2000))
        #expect(!LocalDate.isLeapYear(1900) && !LocalDate.isLeapYear(2026))
        #expect(day("2024-02-28").adding(days: 1) == day("2024-02-29"))
        #expect(day("2026-02-28").adding(days: 1) == day("2026-03-01"))
        #expect(day("2024-02-29").adding(months: 12) == day("2025-02-28"))
        #expect(day("2024-02-29").adding(months: 48) == day("2028-02-29"))
    }

    @Test func yearEnd() {
        #expect(day("2026-12-31").adding(days: 1) == day("2027-01-01"))
        #expect(day("2027-01-01").adding(days: -1) == day("2026-12-31"))
        #expect(day("2026-12-31").adding(months: 1) == day("2027-01-31"))
        #expect(day("2026-11-30").adding(months: 2) == day("2027-01-30"))
        #expect(day("2027-01-15").adding(months: -1) == day("2026-12-15"))
    }

    @Test func monthEndClamping() {
        #expect(day("2026-01-31").adding(months: 1) == day("2026-02-28"))
        #expect(day("2024-01-31").adding(months: 1) == day("2024-02-29"))
        #expect(day("2026-03-31").adding(months: 1) == day("2026-04-30"))
        #expect(day("2026-05-31").adding(months: -3) == day("2026-02-28"))
    }

    @Test func roundTripsOverCenturies() {
        var date = day("1899-12-25")
        for _ in 0..<3000 {
            #expect(LocalDate(dayNumber: date.dayNumber) == date)
            let next = date.adding(days: 53)
            #expect(date < next)
            #expect(date.days(until: next) == 53)
            date = next
        }
    }

    @Test func dayAtOffset() {
        let moment = instant("2026-11-22T22:30:00Z")
        #expect(LocalDate(moment, utcOffsetMinutes: 0) == day("2026-11-22"))
        #expect(LocalDate(moment, utcOffsetMinutes: 180) == day("2026-11-23"))
        #expect(LocalDate(instant("1969-12-31T23:00:00Z"), utcOffsetMinutes: 0) == day("1969-12-31"))
        #expect(day("2026-11-23").start(utcOffsetMinutes: 180) == instant("2026-11-22T21:00:00Z"))
    }
}

@Suite struct BusinessCalendarTests {
    /// Nairobi-like: Saturday–Sunday weekend, 08:00–17:00, UTC+3, Christmas and Boxing Day off.
    let calendar: BusinessCalendar = {
        do {
            return try BusinessCalendar(holidays: [day("2026-12-25"), day("2026-12-28")], utcOffsetMinutes: 180)
        } catch {
            fatalError("\(error)")
        }
    }()

    @Test func refusesInvalidConfiguration() {
        #expect(rejectionCode { try BusinessCalendar(weekend: Set(Weekday.allCases)) } == "calendar_invalid")
        #expect(rejectionCode { try BusinessCalendar(workdayStartMinute: 600, workdayEndMinute: 600) } == "calendar_invalid")
        #expect(rejectionCode { try BusinessCalendar(workdayEndMinute: 1441) } == "calendar_invalid")
        #expect(rejectionCode { try BusinessCalendar(utcOffsetMinutes: 15 * 60) } == "calendar_invalid")
    }

    @Test func businessDaysSkipWeekendsAndHolidays() {
        #expect(calendar.addingBusinessDays(1, to: day("2026-11-20")) == day("2026-11-23")) // Friday → Monday
        #expect(calendar.addingBusinessDays(0, to: day("2026-11-21")) == day("2026-11-21"))
        #expect(calendar.addingBusinessDays(1, to: day("2026-12-24")) == day("2026-12-29")) // Christmas, weekend, holiday
        #expect(calendar.addingBusinessDays(5, to: day("2026-12-31")) == day("2027-01-07"))
        #expect(calendar.addingBusinessDays(-1, to: day("2026-11-23")) == day("2026-11-20"))
        #expect(calendar.businessDays(from: day("2026-12-24"), to: day("2026-12-29")) == 1)
        #expect(calendar.businessDays(from: day("2026-11-20"), to: day("2026-11-27")) == 5)
        #expect(calendar.businessDays(from: day("2026-11-27"), to: day("2026-11-20")) == -5)
        #expect(calendar.businessDays(from: day("2026-11-20"), to: day("2026-11-20")) == 0)
    }

    @Test func fridaySaturdayWeekend() throws {
        let gulf = try BusinessCalendar(weekend: [.friday, .saturday])
        #expect(gulf.addingBusinessDays(1, to: day("2026-11-19")) == day("2026-11-22")) // Thursday → Sunday
    }

    @Test func reserveCallSeventyTwoBusinessHours() {
        // Monday 2026-11-23 10:00 local (07:00Z); 9 working hours per day → 72 hours = 8 working days.
        let start = instant("2026-11-23T07:00:00Z")
        let deadline = calendar.addingBusinessHours(72, to: start)
        #expect(deadline == instant("2026-12-03T07:00:00Z")) // Thursday 10:00 local, over one weekend
        #expect(calendar.businessHours(from: start, to: deadline) == 72)
        #expect(calendar.businessHours(from: start, to: deadline.addingTimeInterval(-1)) == 71)
    }

    @Test func startOutsideBusinessTimeMovesToOpening() {
        // Saturday evening → Monday 08:00 local (05:00Z) + 1 hour.
        #expect(calendar.addingBusinessHours(1, to: instant("2026-11-21T18:00:00Z")) == instant("2026-11-23T06:00:00Z"))
        // Friday 16:30 local + 1 hour = Monday 08:30 local.
        #expect(calendar.addingBusinessHours(1, to: instant("2026-11-20T13:30:00Z")) == instant("2026-11-23T05:30:00Z"))
        // Exactly at closing stays at closing.
        #expect(calendar.addingBusinessHours(1, to: instant("2026-11-20T13:00:00Z")) == instant("2026-11-20T14:00:00Z"))
        #expect(calendar.addingBusinessHours(0, to: instant("2026-11-21T18:00:00Z")) == instant("2026-11-23T05:00:00Z"))
    }

    @Test func businessHoursOverHolidays() {
        // Thursday 24 Dec 08:00 local to Tuesday 29 Dec 08:00 local: only Thursday counts (9 hours).
        #expect(calendar.businessHours(from: instant("2026-12-24T05:00:00Z"), to: instant("2026-12-29T05:00:00Z")) == 9)
        #expect(calendar.businessSeconds(from: instant("2026-12-29T05:00:00Z"), to: instant("2026-12-24T05:00:00Z")) == 0)
    }
}

@Suite struct TextCodingTests {
    @Test func valuesStoredAsTextRoundTripAndRefuseBadText() throws {
        struct Row: Codable, Equatable {
            let date: LocalDate
            let currency: Currency
            let reference: ProposalReference
        }
        let row = Row(date: day("2024-02-29"), currency: jod, reference: try ProposalReference(year: 2026, sequence: 42))
        let data = try JSONEncoder().encode(row)
        #expect(String(decoding: data, as: UTF8.self).contains("\"2024-02-29\""))
        #expect(try JSONDecoder().decode(Row.self, from: data) == row)
        let bad = Data(#"{"date":"2026-02-30","currency":"JOD","reference":"RRF-2026-0042"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Row.self, from: bad) }
        let unknown = Data(#"{"date":"2026-02-03","currency":"XXX","reference":"RRF-2026-0042"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Row.self, from: unknown) }
    }
}
