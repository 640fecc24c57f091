import Foundation
import Postgres
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-22 15:58:22.123456+00", 1_795_363_102.123456),
        ("2026-11-22 15:58:22+00", 1_795_363_102.0),
        ("2026-11-22 17:58:22+02", 1_795_363_102.0),
        ("2026-11-22 10:28:22-05:30", 1_795_363_102.0),
        ("2024-02-29 00:00:00+00", 1_709_164_800.0),
        ("1969-12-31 23:59:59.5+00", -0.5),
        ("2026-11-22", 1_795_305_600.0),
    ])
    func parsesServerText(text: String, seconds: Double) throws {
        let date = try Date(postgresText: text, type: PostgresType.timestamptz)
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test(arguments: ["", "2026-13-01", "2026-11-22 25", "yesterday", "2026-11-22 15:58:22+0x"])
    func refusesMalformedText(text: String) {
        #expect(throws: PostgresError.self) { try Date(postgresText: text, type: PostgresType.timestamptz) }
    }

    @Test func formatsWhatItParses() throws {
        let date = Date(timeIntervalSince1970: 1_795_363_102.25)
        guard case .text(let text) = date.postgresParameter else { Issue.record("expected text"); return }
        #expect(text == "2026-11-22 15:58:22.250000+00")
        #expect(try Date(postgresText: text, type: PostgresType.timestamptz) == date)
    }
}
