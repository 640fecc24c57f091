import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct ReviewRankingTests {
    /// A small deterministic generator (so failures reproduce).
    struct Generator {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Int>) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Int((state >> 33) % UInt64(range.count))
        }
    }

    @Test func theRankingOf500ProposalsMatchesAStraightforwardRecomputation() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            // Maxima 3, 4 and 7 make totals that need rounding; no comment rule, so any score is valid.
            let criteria = [
                Criterion(id: "need", title: "Need", weight: 35, maxScore: 3),
                Criterion(id: "plan", title: "Plan", weight: 25, maxScore: 4),
                Criterion(id: "cost", title: "Cost", weight: 40, maxScore: 7),
            ]
            _ = try store.setCallScorecard("SA-1", try Scorecard(criteria: criteria, passThreshold: 55, commentFloorPercent: 0), as: "sec")
            try fund.reviewPanel(["rev-a", "rev-b", "rev-c"], committee: "PRC-HEALTH", cluster: .health, quorum: 3)
            try fund.reviewPanel(["rev-a", "rev-b", "rev-c"], committee: "PRC-WASH", cluster: .wash, quorum: 3)

            struct Generated {
                let reference: String
                let cluster: String
                let requested: Int64
                let submittedAt: Date
                let scores: [[Int]]
            }
            var generator = Generator(state: 42)
            let base = Date(timeIntervalSince1970: 1_790_000_000)
            let proposals = (1...500).map { index in
                Generated(
                    reference: String(format: "BLK-2026-%04d", index),
                    cluster: generator.next(0...3) == 0 ? "wash" : "health",
                    requested: Int64(generator.next(1...40)) * 25_000,
                    // Few distinct instants, so that equal means fall back to the submission time, then the reference.
                    submittedAt: base.addingTimeInterval(Double(generator.next(0...4))),
                    scores: (0..<3).map { _ in [generator.next(0...3), generator.next(0...4), generator.next(0...7)] }
                )
            }

            // Bulk insert: proposals in review, three submitted reviews each.
            let connection = try db.connect()
            defer { connection.close() }
            try connection.query(
                """
                INSERT INTO proposals (id, reference, organisation_id, call_id, cluster, title, locations, beneficiaries, requested_minor,
                    currency, duration_months, budget_lines, state, round, submitted_by, submitted_at, decision_due)
                SELECT gen_random_uuid(), g.reference, o.id, c.id, g.cluster, 'Bulk ' || g.reference, ARRAY['Somewhere'], 100, g.requested,
                    'USD', 6, '[{"description": "All", "amount": {"minorUnits": 100, "currency": "USD"}}]'::jsonb, 'in_review', 1, u.id, g.submitted_at, g.submitted_at + interval '10 days'
                FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) AS g(reference, cluster, requested, submitted_at)
                CROSS JOIN organisations o CROSS JOIN calls c CROSS JOIN users u
                WHERE o.code = 'NGO-ALPHA' AND c.code = 'SA-1' AND u.login = 'ngo'
                """,
                [proposals.map(\.reference), proposals.map(\.cluster), proposals.map(\.requested), proposals.map(\.submittedAt)]
            )
            var references: [String] = []
            var reviewers: [String] = []
            var sheets: [String] = []
            for proposal in proposals {
                for (slot, login) in ["rev-a", "rev-b", "rev-c"].enumerated() {
                    let values = proposal.scores[slot]
                    references.append(proposal.reference)
                    reviewers.append(login)
                    sheets.append("{\"need\": \(values[0]), \"plan\": \(values[1]), \"cost\": \(values[2])}")
                }
            }
            try connection.query(
                """
                INSERT INTO reviews (id, proposal_id, round, reviewer_id, committee_id, state, due_at, assigned_at, scores, comments,
                    submitted_at, entered_by)
                SELECT gen_random_uuid(), p.id, 1, u.id, m.id, 'submitted', now() + interval '30 days', now(), g.scores::jsonb, '{}',
                    now() + (g.position || ' microseconds')::interval, u.id
                FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS g(reference, login, scores, position)
                JOIN proposals p ON p.reference = g.reference
                JOIN users u ON u.login = g.login
                JOIN committees m ON m.cluster = p.cluster
                """,
                [references, reviewers, sheets]
            )
            let ids = try connection.query("SELECT id FROM proposals WHERE reference LIKE 'BLK-%' ORDER BY reference").rows.map {
                try $0.decode("id", as: UUID.self)
            }
            #expect(ids.count == 500)
            for id in ids { #expect(try store.aggregateReviews(proposalID: id) != nil) }
            #expect(try fund.count("SELECT count(*) FROM proposals WHERE state = 'scored'") == 500)

            // The straightforward recomputation: exact fractions, round half up, sort, running total.
            func roundHalfUp(_ numerator: Int, _ denominator: Int) -> Int { Int((Double(numerator) / Double(denominator)).rounded(.toNearestOrAwayFromZero)) }
            func total(_ values: [Int]) -> Int {
                // Σ weight × score / max × 100 points, in hundredths: the common denominator of 3, 4 and 7 is 84.
                let numerator = 35 * values[0] * 28 * 100 + 25 * values[1] * 21 * 100 + 40 * values[2] * 12 * 100
                return (2 * numerator + 84) / (2 * 84)
            }
            let envelopes: [String: Int64] = ["health": 10_000_000, "wash": 5_000_000]
            let ranking = try store.callRanking("SA-1")
            #expect(ranking.clusters.map(\.cluster.rawValue) == ["health", "wash"])
            for cluster in ranking.clusters {
                let expected = proposals.filter { $0.cluster == cluster.cluster.rawValue }.map { proposal in
                    (proposal, mean: roundHalfUp(proposal.scores.map(total).reduce(0, +), 3))
                }.sorted { left, right in
                    if left.mean != right.mean { return left.mean > right.mean }
                    if left.0.submittedAt != right.0.submittedAt { return left.0.submittedAt < right.0.submittedAt }
                    return left.0.reference < right.0.reference
                }
                #expect(cluster.lines.count == expected.count)
                var cumulative: Int64 = 0
                for (index, (line, want)) in zip(cluster.lines, expected).enumerated() {
                    let passes = want.mean >= 5_500
                    if passes { cumulative += want.0.requested }
                    #expect(line.rank == index + 1)
                    #expect(line.reference == want.0.reference, "rank \(index + 1) in \(cluster.cluster.rawValue)")
                    #expect(line.mean.hundredths == want.mean)
                    #expect(line.passes == passes)
                    #expect(line.cumulativeRequested.minorUnits == cumulative)
                    #expect(line.withinEnvelope == (passes && cumulative <= envelopes[cluster.cluster.rawValue]!))
                }
                #expect(cluster.lines.contains { $0.withinEnvelope } && cluster.lines.contains { $0.passes && !$0.withinEnvelope })
            }
            // Ties on the mean exist, so the tie-breaks were exercised.
            let means = ranking.clusters.flatMap(\.lines).map(\.mean)
            #expect(Set(means).count < means.count)
        }
    }
}
