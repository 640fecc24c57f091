import Foundation
import Postgres
import RRFWorkflow

/// The KPI report's durations stored when they happen (table `kpi_spans`, sql/0027): one row per proposal and
/// measure, its business seconds counted in the fund's calendar when the decision or the first release is
/// recorded, in that command's transaction. Rows are written once per proposal and measure (no shared counter
/// row), so concurrent releases never wait on each other here.
///
/// A row copied by the migration, or counted in another calendar than the store's (its `calendar` fingerprint
/// differs), is counted again by ``countStale(calendar:on:)``, which the KPI report runs before reading.
enum KPISpans {
    /// What a row measures, from the proposal's (current round's) submission.
    enum Measure: String, CaseIterable {
        /// To the decision.
        case decision
        /// To the grant's first released tranche.
        case firstRelease = "first_release"

        /// The span's deadline: the decision deadline, or that plus 10 business days for the first release.
        func deadline(decisionDue: Date, calendar: BusinessCalendar) -> Date {
            switch self {
            case .decision: decisionDue
            case .firstRelease: BusinessSpan.firstReleaseDeadline(decisionDue: decisionDue, calendar: calendar)
            }
        }
    }

    /// The stored fingerprint of `calendar`: its canonical text, hashed.
    static func fingerprint(_ calendar: BusinessCalendar) -> String {
        String(AuditLog.sha256Hex(calendar.canonicalText).prefix(16))
    }

    /// Records the decision of `proposal` (as stored after the decision), replacing an earlier one's.
    static func recordDecision(of proposal: ProposalRecord, calendar: BusinessCalendar, on connection: Connection) throws {
        guard let decidedAt = proposal.decidedAt else { return }
        try write(.decision, proposalID: proposal.id, callID: proposal.callID, started: proposal.submittedAt, ended: decidedAt,
                  due: proposal.decisionDue, calendar: calendar, replacing: "true", on: connection)
    }

    /// Forgets the decision of a proposal whose new round starts (resubmission clears its decision).
    static func forgetDecision(of proposalID: UUID, on connection: Connection) throws {
        try connection.query("DELETE FROM kpi_spans WHERE proposal_id = $1 AND measure = 'decision'", [proposalID])
    }

    /// Records a release of `grant` at `releasedAt`: the first release unless an earlier one is stored.
    static func recordRelease(of grant: GrantRecord, at releasedAt: Date, calendar: BusinessCalendar, on connection: Connection) throws {
        let proposal = try connection.query(
            "SELECT submitted_at, decision_due FROM proposals WHERE id = $1", [grant.proposalID]
        ).single()
        try write(.firstRelease, proposalID: grant.proposalID, callID: grant.callID, started: try proposal.decode("submitted_at"),
                  ended: releasedAt, due: try proposal.decode("decision_due"), calendar: calendar,
                  replacing: "EXCLUDED.ended_at < kpi_spans.ended_at", on: connection)
    }

    /// Inserts one span, or on its key updates the stored one when `replacing` (SQL over `kpi_spans` and
    /// `EXCLUDED`, a constant of this file) holds.
    private static func write(
        _ measure: Measure, proposalID: UUID, callID: UUID, started: Date, ended: Date, due: Date, calendar: BusinessCalendar,
        replacing: String, on connection: Connection
    ) throws {
        let span = BusinessSpan(from: started, to: ended, deadline: measure.deadline(decisionDue: due, calendar: calendar), calendar: calendar)
        try connection.query(
            """
            INSERT INTO kpi_spans (proposal_id, measure, call_kind, started_at, ended_at, due_at, calendar, business_seconds, within_sla)
            SELECT $1, $2, c.kind, $3, $4, $5, $6, $7, $8 FROM calls c WHERE c.id = $9
            ON CONFLICT (proposal_id, measure) DO UPDATE SET
                started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, due_at = EXCLUDED.due_at, calendar = EXCLUDED.calendar,
                business_seconds = EXCLUDED.business_seconds, within_sla = EXCLUDED.within_sla
            WHERE \(replacing)
            """,
            [proposalID, measure.rawValue, started, ended, due, fingerprint(calendar), span.businessSeconds, span.withinSLA, callID]
        )
    }

    /// Counts, in `calendar`, every span not yet counted in it; returns how many there were (0 normally).
    @discardableResult
    static func countStale(calendar: BusinessCalendar, on connection: Connection) throws -> Int {
        let key = fingerprint(calendar)
        let stale = try connection.query(
            """
            SELECT proposal_id, measure, started_at, ended_at, due_at FROM kpi_spans
            WHERE calendar IS NULL OR calendar < $1 OR calendar > $1
            """,
            [key]
        ).rows
        var ids: [UUID] = [], measures: [String] = [], seconds: [Double] = [], within: [Bool] = []
        for row in stale {
            let name: String = try row.decode("measure")
            guard let measure = Measure(rawValue: name) else { throw StoreError.inconsistentRow("A KPI span", state: name) }
            let span = BusinessSpan(
                from: try row.decode("started_at"), to: try row.decode("ended_at"),
                deadline: measure.deadline(decisionDue: try row.decode("due_at"), calendar: calendar), calendar: calendar
            )
            ids.append(try row.decode("proposal_id"))
            measures.append(measure.rawValue)
            seconds.append(span.businessSeconds)
            within.append(span.withinSLA)
        }
        for start in stride(from: 0, to: ids.count, by: 10_000) {
            let batch = start..<min(ids.count, start + 10_000)
            try connection.query(
                """
                UPDATE kpi_spans s SET calendar = $1, business_seconds = u.seconds, within_sla = u.within
                FROM unnest($2::uuid[], $3::text[], $4::float8[], $5::boolean[]) AS u (proposal_id, measure, seconds, within)
                WHERE s.proposal_id = u.proposal_id AND s.measure = u.measure
                """,
                [key, Array(ids[batch]), Array(measures[batch]), Array(seconds[batch]), Array(within[batch])]
            )
        }
        return ids.count
    }

    /// The statistics of `measure` per call kind and `all`: counts from the spans per business hour
    /// (`kpi_span_hours`), and each order statistic (median, 90th percentile) as one row of the index, found by
    /// its offset within the hour that holds it.
    static func statistics(
        _ measure: Measure, calendar: BusinessCalendar, on connection: Connection
    ) throws -> [String: FundKPIs.DurationStatistics] {
        let key = fingerprint(calendar)
        var hours: [String: [SpanHour]] = [:]
        var all: [Int: SpanHour] = [:]
        for row in try connection.query(
            """
            SELECT call_kind, hour, sum(spans)::int AS spans, sum(within_sla)::int AS within FROM kpi_span_hours
            WHERE calendar = $1 AND measure = $2 GROUP BY call_kind, hour HAVING sum(spans) <> 0 ORDER BY call_kind, hour
            """,
            [key, measure.rawValue]
        ).rows {
            let hour = SpanHour(hour: try row.decode("hour"), spans: try row.decode("spans"), withinSLA: try row.decode("within"))
            hours[try row.decode("call_kind"), default: []].append(hour)
            all[hour.hour, default: SpanHour(hour: hour.hour, spans: 0, withinSLA: 0)].add(hour)
        }
        hours["all"] = all.values.sorted { $0.hour < $1.hour }
        var statistics: [String: FundKPIs.DurationStatistics] = [:]
        for (kind, histogram) in hours {
            let count = histogram.reduce(0) { $0 + $1.spans }
            statistics[kind] = try FundKPIs.DurationStatistics(
                count: count, withinSLA: histogram.reduce(0) { $0 + $1.withinSLA }, calendar: calendar
            ) { offset, length, ascending in
                try (0..<length).compactMap { step in
                    try seconds(at: ascending ? offset + step : count - 1 - offset - step, of: kind, in: histogram, measure, calendar: key, on: connection)
                }
            }
        }
        return statistics
    }

    /// One business hour's spans of one call kind (or all).
    struct SpanHour {
        let hour: Int
        var spans: Int
        var withinSLA: Int

        mutating func add(_ other: SpanHour) {
            spans += other.spans
            withinSLA += other.withinSLA
        }
    }

    /// The business seconds of the span at `rank` (0-based, ascending) among `kind`'s spans, whose hours are `histogram`:
    /// one row at its offset within its hour; nil when the spans and their hours disagree.
    private static func seconds(
        at rank: Int, of kind: String, in histogram: [SpanHour], _ measure: Measure, calendar key: String, on connection: Connection
    ) throws -> Double? {
        var before = 0
        for hour in histogram {
            if rank < before + hour.spans { return try seconds(at: rank - before, inHour: hour.hour, of: kind, measure, calendar: key, on: connection) }
            before += hour.spans
        }
        return nil
    }

    /// The business seconds of the span at `offset` (ascending) within one business hour of `kind`'s spans.
    private static func seconds(
        at offset: Int, inHour hour: Int, of kind: String, _ measure: Measure, calendar key: String, on connection: Connection
    ) throws -> Double? {
        let kindFilter = kind == "all" ? "" : "AND call_kind = $5"
        let kindValue: [(any PostgresEncodable)?] = kind == "all" ? [] : [kind]
        return try connection.query(
            """
            SELECT business_seconds FROM kpi_spans WHERE calendar = $1 AND measure = $2 AND hour = $3 \(kindFilter)
            ORDER BY business_seconds OFFSET $4 LIMIT 1
            """,
            [key, measure.rawValue, hour, offset] + kindValue
        ).rows.first.map { try $0.decode("business_seconds", as: Double.self) }
    }
}
