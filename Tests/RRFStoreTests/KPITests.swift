import Foundation
import Postgres
@testable import RRFStore
import RRFTestSupport
import RRFWorkflow
import Synchronization
import Testing

@Suite struct StatisticsTests {
    @Test func medianAndNearestRankPercentile() {
        #expect(Statistics.median([]) == nil)
        #expect(Statistics.median([5]) == 5)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.percentile(90, of: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9)
        #expect(Statistics.percentile(90, of: [7]) == 7)
        #expect(Statistics.percentile(90, of: Array(1...11).map(Double.init)) == 10)
        #expect(Statistics.percent(1, of: 3) == 33.3)
        #expect(Statistics.percent(1, of: 0) == nil)
    }
}

@Suite struct KPITests {
    /// A clock the test moves.
    final class TestClock: Sendable {
        let now: Mutex<Date>
        init(_ start: Date) { now = Mutex(start) }
        func read() -> Date { now.withLock { $0 } }
        func set(_ date: Date) { now.withLock { $0 = date } }
    }

    @Test func timeToDecisionApprovalRatesAndEnvelopeUseComeFromTheData() throws {
        try withTestDatabase { db in
            let base = try Fund.standard(db)
            let clock = TestClock(Date())
            let fund = Fund(db, clock: { clock.read() })
            let submitted = clock.read()
            var references: [String] = []
            for (index, cluster) in ["health", "health", "wash"].enumerated() {
                let record = try fund.store.submitProposal(Fund.submission(requested: "1000 USD", cluster: cluster, title: "P\(index)"), as: "ngo")
                try fund.markScored(record.reference)
                references.append(record.reference)
            }
            // Decide 1 and 2 business hours after submission (same working day or the next).
            let calendar = BusinessCalendar.mondayToFriday
            clock.set(calendar.addingBusinessHours(1, to: submitted))
            _ = try fund.store.decideProposal(references[0], .approve(amount: try Money(parsing: "800 USD"), justification: "Good."), as: "fm")
            clock.set(calendar.addingBusinessHours(2, to: submitted))
            _ = try fund.store.decideProposal(references[1], .reject(justification: "Duplicate."), as: "fm")
            let kpis = try base.store.kpis()
            #expect(kpis.proposalsByState == ["approved": 1, "rejected": 1, "scored": 1])
            let all = try #require(kpis.timeToDecision["all"])
            #expect(all.count == 2)
            #expect(all.withinSLA == 2)
            #expect(all.withinSLAPercent == 100)
            // Submission may fall outside business hours; the business time is still 1 h and 2 h at most.
            #expect((all.p90BusinessHours ?? 0) <= 2)
            #expect(kpis.timeToDecision["standard"]?.count == 2)
            let health = try #require(kpis.approvalRates.first { $0.cluster == .health })
            #expect(health.approved == 1 && health.rejected == 1 && health.approvalRatePercent == 50)
            let wash = try #require(kpis.approvalRates.first { $0.cluster == .wash })
            #expect(wash.approvalRatePercent == nil)
            let envelope = try #require(kpis.envelopeUse.first { $0.cluster == .health })
            #expect(envelope.committed == Money(minorUnits: 80_000, currency: Fund.usd))
            #expect(envelope.usePercent == 0.8)
        }
    }

    @Test func durationsAreCountedInBusinessTime() throws {
        // Friday 16:00 → Monday 10:00 is 3 business hours (1 on Friday, 2 on Monday).
        let friday = try LocalDate(year: 2026, month: 11, day: 20).start(utcOffsetMinutes: 0).addingTimeInterval(16 * 3600)
        let monday = try LocalDate(year: 2026, month: 11, day: 23).start(utcOffsetMinutes: 0).addingTimeInterval(10 * 3600)
        let statistics = FundKPIs.DurationStatistics([(friday, monday, monday)], calendar: .mondayToFriday)
        #expect(statistics.medianBusinessHours == 3)
        #expect(statistics.medianBusinessDays == 0.3)
        #expect(statistics.withinSLA == 1)
    }
}
