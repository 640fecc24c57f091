import Foundation
import Postgres
@testable import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Issue 19: the KPI report's durations come from the spans stored when decisions and first releases happen,
/// and equal the full computation over every stored fact.
@Suite struct KPISpanTests {
    /// The next Monday, 09:00 UTC: a business morning, so the spans below cross evenings and a weekend.
    static let monday: Date = {
        var day = LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 1)
        while day.weekday != .monday { day = day.adding(days: 1) }
        return day.start(utcOffsetMinutes: 0).addingTimeInterval(9 * 3600)
    }()

    /// A fund (standard call SA-1, reserve call SA-2) through a lifecycle mix, with its store on a clock the mix moves:
    /// approvals released and one terminated, a rejection, a revision resubmitted then rejected, a revision
    /// withdrawn, a proposal left scored.
    static func lifecycleMix(_ db: TestDatabase) throws -> (fund: Fund, clock: KPITests.TestClock) {
        let base = try Fund.withFinance(db)
        _ = try base.store.createCall(code: "SA-2", configuration: Fund.configuration(kind: .reserve), as: "sec")
        _ = try base.store.openCall("SA-2", as: "sec")
        try base.store.deposit(call: "SA-2", cluster: .health, amount: Fund.usd(10_000_000), donor: "ECHO", as: "fm")
        let clock = KPITests.TestClock(monday)
        let fund = Fund(db, clock: { clock.read() })
        let store = fund.store
        func at(hours: Double) { clock.set(monday.addingTimeInterval(hours * 3600)) }
        var references: [String] = []
        for (index, call) in ["SA-1", "SA-1", "SA-1", "SA-1", "SA-1", "SA-1", "SA-2"].enumerated() {
            at(hours: Double(index) * 0.25)
            let record = try store.submitProposal(Fund.submission(requested: "1000 USD", title: "Proposal \(index)", call: call), as: "ngo")
            try fund.markScored(record.reference)
            references.append(record.reference)
        }
        let approve = { (reference: String) in
            _ = try store.decideProposal(reference, .approve(amount: Fund.usd(100_000), justification: "Sound."), as: "fm")
        }
        at(hours: 3); try approve(references[0])
        at(hours: 5.5); try approve(references[1])
        at(hours: 26); _ = try store.decideProposal(references[2], .reject(justification: "Out of scope."), as: "fm")
        at(hours: 4); _ = try store.decideProposal(references[3], .requestRevision(reason: "Add a protection line."), as: "fm")
        at(hours: 4.5); _ = try store.decideProposal(references[4], .requestRevision(reason: "Cut the budget."), as: "fm")
        at(hours: 1); try approve(references[6])
        at(hours: 30); _ = try store.resubmitProposal(references[3], as: "ngo")
        try fund.markScored(references[3])
        _ = try store.withdrawProposal(references[4], reason: "The need was met by others.", as: "ngo")
        at(hours: 80); _ = try store.decideProposal(references[3], .reject(justification: "Still out of scope."), as: "fm")
        var grants: [String] = []
        for (offset, reference) in [references[0], references[1], references[6]].enumerated() {
            at(hours: 50 + Double(offset) * 20)
            let grant = try store.signGrant(reference, signatory: "Amina Yusuf, Director", as: "fm")
            grants.append(grant.reference)
            _ = try store.evaluateTranches(grant.reference, trainingShortfalls: [], as: "sec")
            let tranche = try store.approveTranche(grant.reference, sequence: 1, as: "fm")
            if offset < 2 {
                at(hours: 100 + Double(offset) * 33)
                _ = try store.releaseTranche(grant.reference, sequence: 1, amount: tranche.amount, idempotencyKey: "first-\(grant.reference)", as: "fin")
            }
        }
        at(hours: 200)
        _ = try store.terminateGrant(grants[0], reason: "Partner's registration revoked.", as: "fm")
        return (fund, clock)
    }

    @Test func storedSpansGiveTheFullComputationAfterALifecycleMix() throws {
        try withTestDatabase { db in
            let (fund, _) = try Self.lifecycleMix(db)
            let comparison = try fund.store.kpiComparison()
            #expect(comparison.firstDifference == nil)
            #expect(comparison.stored == comparison.recomputed)
            #expect(try fund.store.kpis() == comparison.recomputed)
            let decisions = try #require(comparison.stored.timeToDecision["all"])
            // Six decisions of the current round (the withdrawn revision keeps its decision), one of them reserve.
            #expect(decisions.count == 6)
            #expect(comparison.stored.timeToDecision["reserve"]?.count == 1)
            #expect(comparison.stored.timeToFirstDisbursement["all"]?.count == 2)
            #expect(try fund.count("SELECT count(*)::int FROM kpi_spans WHERE calendar IS NULL") == 0)
            #expect(try Self.hoursMatchTheSpans(fund))
        }
    }

    /// Whether the spans per business hour (`kpi_span_hours`) are those of `kpi_spans`.
    static func hoursMatchTheSpans(_ fund: Fund) throws -> Bool {
        try fund.count(
            """
            SELECT count(*)::int FROM (
                SELECT calendar, measure, call_kind, hour, sum(spans) AS spans, sum(within_sla) AS within FROM kpi_span_hours
                GROUP BY 1, 2, 3, 4 HAVING sum(spans) <> 0 OR sum(within_sla) <> 0
                EXCEPT
                SELECT calendar, measure, call_kind, hour, count(*), count(*) FILTER (WHERE within_sla) FROM kpi_spans
                WHERE calendar IS NOT NULL GROUP BY 1, 2, 3, 4
            ) AS unmatched
            """
        ) == 0 && fund.count("SELECT count(*)::int FROM kpi_spans WHERE calendar IS NOT NULL") == fund.count("SELECT coalesce(sum(spans), 0)::int FROM kpi_span_hours")
    }

    @Test func aCalendarChangeCountsTheStoredSpansAgainInTheNewCalendar() throws {
        try withTestDatabase { db in
            let (fund, _) = try Self.lifecycleMix(db)
            let usual = try fund.store.kpis()
            let monday = LocalDate(Self.monday, utcOffsetMinutes: 0)
            let holidays = try BusinessCalendar(holidays: [monday, monday.adding(days: 1)])
            let holidayStore = FundStore(pool: db.pool(), calendar: holidays)
            let comparison = try holidayStore.kpiComparison()
            #expect(comparison.firstDifference == nil)
            #expect(comparison.stored.timeToDecision != usual.timeToDecision)
            #expect(try fund.count("SELECT count(*)::int FROM kpi_spans WHERE calendar = $1", [KPISpans.fingerprint(holidays)]) == 8)
            // Back to the usual calendar: counted again, the same figures as before.
            #expect(try fund.store.kpiComparison().firstDifference == nil)
            #expect(try fund.store.kpis() == usual)
            #expect(try Self.hoursMatchTheSpans(fund))
        }
    }

    @Test func theMigrationsCopyIsCountedByTheFirstReport() throws {
        try withTestDatabase { db in
            let (fund, _) = try Self.lifecycleMix(db)
            let before = try fund.store.kpis()
            let migration = try String(contentsOf: TestServer.schemaDirectory.appendingPathComponent("0027_kpi_spans.sql"), encoding: .utf8)
            let copy = try #require(migration.range(of: "INSERT INTO kpi_spans ("))
            let triggers = try #require(migration.range(of: "CREATE TRIGGER"))
            let connection = try db.connect()
            defer { connection.close() }
            try connection.execute("DELETE FROM kpi_spans")
            for statement in migration[copy.lowerBound..<triggers.lowerBound].split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                try connection.execute(String(statement))
            }
            #expect(try fund.count("SELECT count(*)::int FROM kpi_spans WHERE calendar IS NULL") == 8)
            #expect(try fund.store.kpis() == before)
            #expect(try fund.count("SELECT count(*)::int FROM kpi_spans WHERE calendar IS NULL") == 0)
        }
    }

    @Test func aCorruptedStoredSpanIsNamed() throws {
        try withTestDatabase { db in
            let (fund, _) = try Self.lifecycleMix(db)
            let connection = try db.connect()
            defer { connection.close() }
            try connection.execute("UPDATE kpi_spans SET business_seconds = business_seconds + 36000 WHERE measure = 'first_release'")
            let comparison = try fund.store.kpiComparison()
            let difference = try #require(comparison.firstDifference)
            #expect(difference.hasPrefix("timeToFirstDisbursement.all.medianBusinessDays: stored"), "\(difference)")
            // A count of spans per hour changed behind the spans' back is named too.
            // Uncounted, the spans are counted again by the next report.
            try connection.execute("UPDATE kpi_spans SET calendar = NULL, business_seconds = NULL, within_sla = NULL WHERE measure = 'first_release'")
            #expect(try fund.store.kpiComparison().firstDifference == nil)
            try connection.execute(
                """
                UPDATE kpi_span_hours SET spans = spans + 1
                WHERE (calendar, measure, call_kind, hour, shard) = (
                    SELECT calendar, measure, call_kind, hour, shard FROM kpi_span_hours WHERE measure = 'decision' AND spans > 0 LIMIT 1)
                """
            )
            let counted = try #require(try fund.store.kpiComparison().firstDifference)
            #expect(counted.hasPrefix("timeToDecision."), "\(counted)")
        }
    }

    @Test func theProposalCountsFollowEveryStatementAndACorruptedCountIsNamed() throws {
        try withTestDatabase { db in
            let (fund, _) = try Self.lifecycleMix(db)
            let connection = try db.connect()
            defer { connection.close() }
            // A bulk statement over several proposals at once is counted too.
            try connection.execute("UPDATE proposals SET state = 'in_review', version = version + 1 WHERE state = 'scored'")
            #expect(try fund.store.kpiComparison().firstDifference == nil)
            try connection.execute(
                """
                UPDATE proposal_state_counts SET proposals = proposals + 1
                WHERE (cluster, state, shard) = (SELECT cluster, state, shard FROM proposal_state_counts WHERE state = 'approved' LIMIT 1)
                """
            )
            let difference = try #require(try fund.store.kpiComparison().firstDifference)
            #expect(difference.hasPrefix("approvalRates[0]."), "\(difference)")
        }
    }

    @Test func theDisbursementTotalsFollowTheLedgerAndACorruptedTotalIsNamed() throws {
        try withTestDatabase { db in
            // Commits written at the decisions (before the signatures), two releases, a termination's decommit.
            let (fund, _) = try Self.lifecycleMix(db)
            let stored = try fund.store.kpis().disbursement
            #expect(stored == (try fund.store.kpisRecomputed().disbursement))
            let usd = try #require(stored.first)
            #expect(stored.count == 1 && usd.released.minorUnits > 0 && usd.committed.minorUnits > usd.released.minorUnits)
            let connection = try db.connect()
            defer { connection.close() }
            // A grant whose commit is in the ledger counts once it is signed, not before.
            let approved = try fund.approvedProposal(requested: "700 USD")
            #expect(try fund.store.kpis().disbursement == stored)
            _ = try fund.store.signGrant(approved.reference, signatory: "Amina Yusuf, Director", as: "fm")
            #expect(try fund.store.kpis().disbursement.first?.committed.minorUnits == usd.committed.minorUnits + 70_000)
            #expect(try fund.store.kpiComparison().firstDifference == nil)
            try connection.execute("UPDATE kpi_disbursement_totals SET released_minor = released_minor + 1 WHERE shard = (SELECT min(shard) FROM kpi_disbursement_totals)")
            let difference = try #require(try fund.store.kpiComparison().firstDifference)
            #expect(difference.hasPrefix("disbursement[0]."), "\(difference)")
            try connection.execute("SELECT kpi_disbursement_recount()")
            #expect(try fund.store.kpiComparison().firstDifference == nil)
        }
    }

    @Test func orderStatisticsGiveWhatTheSortedListGives() throws {
        for count in 0...23 {
            let spans = (0..<count).map { index in
                (start: Self.monday, end: Self.monday.addingTimeInterval(Double((index * 7_919) % 101) * 1_234.5), deadline: Self.monday.addingTimeInterval(3 * 3600))
            }
            let seconds = spans.map { BusinessCalendar.mondayToFriday.businessSeconds(from: $0.start, to: $0.end) }.sorted()
            let full = FundKPIs.DurationStatistics(spans, calendar: .mondayToFriday)
            let stored = try FundKPIs.DurationStatistics(count: count, withinSLA: full.withinSLA, calendar: .mondayToFriday) { offset, length, ascending in
                Array((ascending ? seconds : seconds.reversed()).dropFirst(offset).prefix(length))
            }
            #expect(stored == full, "\(count) spans")
        }
    }
}
