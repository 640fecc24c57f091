import Foundation
import RRFStore
import RRFWorkflow
import Synchronization

/// The demo's clock: the story starts on a Monday morning a few weeks ago and moves forward as people act,
/// so that durations (time to decision, SLA) look like a real fund's. The store reads it for every command.
final class DemoClock: Sendable {
    private let current: Mutex<Date>
    let calendar: BusinessCalendar

    init(start: Date, calendar: BusinessCalendar) {
        current = Mutex(start)
        self.calendar = calendar
    }

    /// 07:30 on the Monday at least `weeksAgo` weeks before `now`, in the calendar's time zone.
    static func storyStart(before now: Date, weeksAgo: Int, calendar: BusinessCalendar) -> Date {
        var day = LocalDate(now, utcOffsetMinutes: calendar.utcOffsetMinutes).adding(days: -7 * weeksAgo)
        while day.weekday != .monday { day = day.adding(days: -1) }
        return day.start(utcOffsetMinutes: calendar.utcOffsetMinutes).addingTimeInterval(7.5 * 3600)
    }

    var now: Date { current.withLock { $0 } }

    /// Moves on by `hours` business hours of the fund's calendar.
    func advance(businessHours hours: Int) {
        current.withLock { $0 = calendar.addingBusinessHours(hours, to: $0) }
    }

    /// Moves on by wall-clock minutes.
    func advance(minutes: Int) {
        current.withLock { $0 = $0.addingTimeInterval(Double(minutes * 60)) }
    }

    /// The day of the story, e.g. "Mon 2026-10-26 09:30".
    var stamp: String {
        let date = now
        let day = LocalDate(date, utcOffsetMinutes: calendar.utcOffsetMinutes)
        let minutes = Int(date.timeIntervalSince(day.start(utcOffsetMinutes: calendar.utcOffsetMinutes)) / 60)
        return String(format: "%@ %@ %02d:%02d", "\(day.weekday)".prefix(3).capitalized, "\(day)", minutes / 60, minutes % 60)
    }
}

/// Tells the story in plain sentences (on stdout, or on stderr when stdout carries the JSON summary).
struct DemoNarrator {
    let toStandardError: Bool
    let clock: DemoClock

    func act(_ number: Int, _ title: String) {
        write("\nAct \(number). \(title)\n")
    }

    func say(_ sentence: String) {
        write("  [\(clock.stamp)] \(sentence)\n")
    }

    /// A refusal by the fund's rules, shown as the sentence the store gave.
    func refused(_ what: String, _ error: StoreError) {
        write("  [\(clock.stamp)] \(what) — refused, as it should be: \(error.message)\n")
    }

    func plain(_ text: String) { write(text + "\n") }

    private func write(_ text: String) {
        if toStandardError {
            printError(text)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
