import Foundation
import RRFWorkflow
import Testing

@Suite struct ReviewMachineTests {
    let reviewer = actor("Rita Reviewer", [.reviewer])
    let due = Fixture.now.addingTimeInterval(7 * 86_400)
    let good = ["relevance": 4, "capacity": 8, "budget": 3]

    func assigned() throws -> ReviewMachine {
        try ReviewMachine.assign(reviewer: reviewer, declaredConflicts: [], organisationID: Fixture.organisationID, round: 1, dueAt: due, by: Fixture.secretariat).0
    }

    @Test func transitionTableCoversEveryStateAndEvent() {
        let expected = table([("assigned", "submit", "submitted"), ("assigned", "recuse", "recused")])
        #expect(verifyTable(ReviewMachine.self, expected: expected) == [])
    }

    @Test func assignmentRefusesConflicts() throws {
        let affiliated = actor("Aff", [.reviewer], organisations: [Fixture.organisationID])
        func assign(_ reviewer: Actor, conflicts: Set<OrganisationID> = [], by assigner: Actor = Fixture.secretariat) throws -> ReviewMachine.Action {
            let (_, action) = try ReviewMachine.assign(
                reviewer: reviewer, declaredConflicts: conflicts, organisationID: Fixture.organisationID, round: 1, dueAt: due, by: assigner
            )
            return action
        }
        #expect(rejectionCode { try assign(reviewer, by: Fixture.manager) } == "role_required")
        #expect(rejectionCode { try assign(Fixture.manager) } == "reviewer_role_missing")
        #expect(rejectionCode { try assign(affiliated) } == "reviewer_affiliated")
        #expect(rejectionCode { try assign(reviewer, conflicts: [Fixture.organisationID]) } == "reviewer_conflict_declared")
        let action = try assign(reviewer, conflicts: [OrganisationID(UUID())])
        #expect(action == .notifyReviewer(.init(reviewerID: reviewer.userID, reviewerName: "Rita Reviewer", round: 1, dueAt: due)))
    }

    @Test func submitChecksTheSheet() throws {
        var machine = try assigned()
        let card = Fixture.scorecard
        let other = actor("Other", [.reviewer])
        #expect(rejectionCode { try machine.submit(scores: good, comments: [:], scorecard: card, at: Fixture.now, by: other) } == "not_assigned_reviewer")
        #expect(rejectionCode { try machine.submit(scores: ["relevance": 4, "capacity": 8], comments: [:], scorecard: card, at: Fixture.now, by: reviewer) } == "score_missing")
        #expect(rejectionCode { try machine.submit(scores: good.merging(["x": 1]) { $1 }, comments: [:], scorecard: card, at: Fixture.now, by: reviewer) }
            == "score_unknown_criterion")
        #expect(rejectionCode { try machine.submit(scores: good.merging(["relevance": 6]) { $1 }, comments: [:], scorecard: card, at: Fixture.now, by: reviewer) }
            == "score_out_of_range")
        #expect(rejectionCode { try machine.submit(scores: good.merging(["relevance": -1]) { $1 }, comments: [:], scorecard: card, at: Fixture.now, by: reviewer) }
            == "score_out_of_range")
        // 1 of 5 is below the 40 % floor: a comment is needed; 2 of 5 is not.
        let low = good.merging(["relevance": 1]) { $1 }
        #expect(rejectionCode { try machine.submit(scores: low, comments: ["relevance": " "], scorecard: card, at: Fixture.now, by: reviewer) } == "comment_required")
        #expect(machine.state.name == .assigned)
        let action = try machine.submit(scores: low, comments: ["relevance": "No needs analysis"], scorecard: card, at: Fixture.now, by: reviewer)
        guard case .aggregate(let sheet) = action else {
            Issue.record("unexpected \(action)")
            return
        }
        #expect(sheet.reviewerID == reviewer.userID && sheet.submittedAt == Fixture.now)
    }

    /// Issue 13: the overdue flag shown in lists counts only a review the committee still waits for.
    @Test func overdueFlagOnlyWhileTheCommitteeWaits() throws {
        let machine = try assigned()
        let round = machine.state.assignment.round
        let late = due.addingTimeInterval(1)
        #expect(machine.isOverdue(at: late, conflictDeclared: false, proposalReviewRound: round))
        #expect(!machine.isOverdue(at: due, conflictDeclared: false, proposalReviewRound: round))
        #expect(!machine.isOverdue(at: late, conflictDeclared: true, proposalReviewRound: round))
        #expect(!machine.isOverdue(at: late, conflictDeclared: false, proposalReviewRound: nil))
        #expect(!machine.isOverdue(at: late, conflictDeclared: false, proposalReviewRound: round + 1))
    }

    @Test func recusalAndOverdue() throws {
        var machine = try assigned()
        #expect(!machine.isOverdue(at: due))
        #expect(machine.isOverdue(at: due.addingTimeInterval(1)))
        #expect(rejectionCode { try machine.recuse(reason: "Conflict", by: actor("Other", [.reviewer])) } == "not_assigned_reviewer")
        #expect(rejectionCode { try machine.recuse(reason: "", by: reviewer) } == "reason_required")
        var bySecretariat = machine
        #expect(try bySecretariat.recuse(reason: "Unavailable", by: Fixture.secretariat) == .assignReplacement(reason: "Unavailable"))
        #expect(try machine.recuse(reason: "Former employer", by: reviewer) == .assignReplacement(reason: "Former employer"))
        #expect(!machine.isOverdue(at: due.addingTimeInterval(1)))
    }
}

@Suite struct ReviewAggregationTests {
    func sheet(_ relevance: Int, _ capacity: Int, _ budget: Int) -> ScoreSheet {
        ScoreSheet(reviewerID: UserID(UUID()), scores: ["relevance": relevance, "capacity": capacity, "budget": budget],
                   comments: ["relevance": "c", "capacity": "c", "budget": "c"], submittedAt: Fixture.now)
    }

    @Test(arguments: [
        (5, 10, 4, 10_000), (0, 0, 0, 0), (4, 8, 3, 7_900), // 40 + 24 + 15
        (3, 7, 1, 5_600), // 30 + 21 + 5
    ])
    func weightedTotals(relevance: Int, capacity: Int, budget: Int, hundredths: Int) {
        #expect(ReviewAggregation.weightedTotal(of: sheet(relevance, capacity, budget), on: Fixture.scorecard).hundredths == hundredths)
    }

    @Test func totalsRoundHalfUpOnce() throws {
        // Weights 50/50 on maxima 3 and 8: 1/3 × 50 + 1/8 × 50 = 16.6666… + 6.25 = 22.9166… → 22.92
        let card = try Scorecard(criteria: [Criterion(id: "a", title: "A", weight: 50, maxScore: 3), Criterion(id: "b", title: "B", weight: 50, maxScore: 8)],
                                 passThreshold: 50, commentFloorPercent: 0)
        let one = ScoreSheet(reviewerID: UserID(UUID()), scores: ["a": 1, "b": 1], comments: [:], submittedAt: Fixture.now)
        #expect(ReviewAggregation.weightedTotal(of: one, on: card).description == "22.92")
        // 1/8 × 50 = 6.25 exactly; 0/3 → 6.25
        let half = ScoreSheet(reviewerID: UserID(UUID()), scores: ["a": 0, "b": 1], comments: [:], submittedAt: Fixture.now)
        #expect(ReviewAggregation.weightedTotal(of: half, on: card).description == "6.25")
        // Weight 1 of max 8 → 0.125 → rounds half up to 0.13.
        let odd = try Scorecard(criteria: [Criterion(id: "a", title: "A", weight: 1, maxScore: 8), Criterion(id: "b", title: "B", weight: 99, maxScore: 1)],
                                passThreshold: 50, commentFloorPercent: 0)
        let tiny = ScoreSheet(reviewerID: UserID(UUID()), scores: ["a": 1, "b": 0], comments: [:], submittedAt: Fixture.now)
        #expect(ReviewAggregation.weightedTotal(of: tiny, on: odd).hundredths == 13)
    }

    @Test func meanDeviationDivergenceAndPass() throws {
        // Totals 79.00, 56.00, 100.00 → mean 78.333… → 78.33; population sd = 17.969… → 17.97; spread 44.
        let aggregation = try ReviewAggregation(sheets: [sheet(4, 8, 3), sheet(3, 7, 1), sheet(5, 10, 4)], scorecard: Fixture.scorecard, divergenceSpread: 25)
        #expect(aggregation.totals.map(\.hundredths) == [7_900, 5_600, 10_000])
        #expect(aggregation.mean.description == "78.33")
        #expect(aggregation.standardDeviation.description == "17.97")
        #expect(aggregation.spread == Score(points: 44))
        #expect(aggregation.isDivergent)
        #expect(aggregation.passes)
        let calm = try ReviewAggregation(sheets: [sheet(4, 8, 3), sheet(3, 7, 1)], scorecard: Fixture.scorecard, divergenceSpread: 23)
        #expect(!calm.isDivergent) // spread 23 is not more than 23
        #expect(calm.standardDeviation.description == "11.50")
        #expect(calm.mean.description == "67.50")
    }

    @Test func passThresholdIsInclusive() throws {
        let card = try Scorecard(criteria: [Criterion(id: "a", title: "A", weight: 100, maxScore: 10)], passThreshold: 60, commentFloorPercent: 0)
        func run(_ scores: [Int]) throws -> ReviewAggregation {
            try ReviewAggregation(sheets: scores.map { ScoreSheet(reviewerID: UserID(UUID()), scores: ["a": $0], comments: [:], submittedAt: Fixture.now) },
                                  scorecard: card, divergenceSpread: 100)
        }
        #expect(try run([6, 6, 6]).passes)
        #expect(try run([6, 6, 6]).standardDeviation == Score(hundredths: 0))
        #expect(try !run([6, 6, 5]).passes)
        #expect(rejectionCode { try run([]) } == "no_reviews")
        #expect(rejectionCode { try run([11]) } == "score_out_of_range")
    }
}

@Suite struct RankingTests {
    func candidate(_ sequence: Int, mean points: [Int], submitted: String, requested: String) throws -> RankingCandidate {
        let card = try Scorecard(criteria: [Criterion(id: "a", title: "A", weight: 100, maxScore: 100)], passThreshold: 60, commentFloorPercent: 0)
        let sheets = points.map { ScoreSheet(reviewerID: UserID(UUID()), scores: ["a": $0], comments: [:], submittedAt: Fixture.now) }
        return RankingCandidate(
            proposalID: ProposalID(UUID()), reference: try ProposalReference(year: 2026, sequence: sequence), submittedAt: instant(submitted),
            requested: money(requested), score: RankingScore(try ReviewAggregation(sheets: sheets, scorecard: card, divergenceSpread: 100))
        )
    }

    @Test func ordersByMeanThenSubmissionThenReference() throws {
        let candidates = [
            try candidate(1, mean: [70], submitted: "2026-11-02T10:00:00Z", requested: "40000 USD"),
            try candidate(2, mean: [90], submitted: "2026-11-03T10:00:00Z", requested: "50000 USD"),
            try candidate(4, mean: [70], submitted: "2026-11-01T10:00:00Z", requested: "30000 USD"),
            try candidate(3, mean: [70], submitted: "2026-11-01T10:00:00Z", requested: "20000 USD"),
            try candidate(5, mean: [50], submitted: "2026-11-01T09:00:00Z", requested: "1000 USD"),
        ]
        let ranking = try Ranking(candidates: candidates, envelope: money("100000 USD"))
        #expect(ranking.lines.map(\.candidate.reference.sequence) == [2, 3, 4, 1, 5])
        #expect(ranking.lines.map(\.rank) == [1, 2, 3, 4, 5])
        #expect(ranking.lines.map(\.cumulativeRequested.description) == ["50000.00 USD", "70000.00 USD", "100000.00 USD", "140000.00 USD", "140000.00 USD"])
        #expect(ranking.lines.map(\.withinEnvelope) == [true, true, true, false, false])
    }

    @Test func refusesOtherCurrencies() throws {
        let euro = try candidate(1, mean: [70], submitted: "2026-11-02T10:00:00Z", requested: "40000 EUR")
        #expect(rejectionCode { try Ranking(candidates: [euro], envelope: money("100000 USD")) } == "currency_mismatch")
        #expect(try Ranking(candidates: [], envelope: money("1 USD")).lines.isEmpty)
    }
}
