import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

extension Fund {
    /// Adds reviewers with these logins and a committee of SA-1 for `cluster` with them as members (the first chairs).
    func reviewPanel(_ logins: [String], committee: String = "PRC-HEALTH", cluster: Cluster = .health, quorum: Int? = nil) throws {
        for login in logins where (try? store.user(login)) == nil {
            _ = try store.addUser(login: login, displayName: "Reviewer \(login)", roles: [.reviewer], as: "admin")
        }
        _ = try store.createCommittee(code: committee, call: "SA-1", cluster: cluster, chair: logins.first, quorum: quorum, as: "sec")
        for login in logins.dropFirst() { _ = try store.addCommitteeMember(committee, member: login, as: "sec") }
    }

    /// A proposal of NGO-ALPHA that passed screening.
    func proposalInReview(cluster: String = "health") throws -> ProposalRecord {
        let submitted = try store.submitProposal(Fund.submission(cluster: cluster), as: "ngo")
        return try store.screenProposal(submitted.reference, passed: true, as: "sec")
    }

    func scores(_ value: Int, comments: String? = nil) -> ReviewScoresInput {
        ReviewScoresInput(scores: ["relevance": value, "feasibility": value, "value_for_money": value, "capacity": value], comments: comments)
    }

    func state(_ reference: String) throws -> String { try store.proposal(reference).state }
}

@Suite struct ReviewConflictTests {
    @Test func aConflictedOrAffiliatedReviewerIsNeverAssignedNorCounted() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            _ = try store.addUser(login: "insider", displayName: "Ines Insider", roles: [.reviewer], organisations: ["NGO-ALPHA"], as: "admin")
            try fund.reviewPanel(["chair", "rev-a", "rev-b", "rev-c", "insider"])
            let proposal = try fund.proposalInReview()
            let ref = proposal.reference

            // Declared before assignment: refused; affiliated: refused.
            let declared = try store.declareConflict(reviewer: "rev-a", organisation: "NGO-ALPHA", reason: "Former employer", as: "rev-a")
            #expect(declared.reviewer == "rev-a" && declared.organisation == "NGO-ALPHA" && declared.declaredOn == fund.today)
            #expect(refusal { _ = try store.assignReviewer(ref, reviewer: "rev-a", as: "sec") }?.code == "reviewer_conflict_declared")
            #expect(refusal { _ = try store.assignReviewer(ref, reviewer: "insider", as: "sec") }?.code == "reviewer_affiliated")
            // Someone else cannot declare a reviewer's conflict; only the secretariat can assign.
            #expect(refusal { _ = try store.declareConflict(reviewer: "rev-b", organisation: "NGO-ALPHA", reason: "x", as: "rev-c") }?.code == "role_required")
            #expect(refusal { _ = try store.assignReviewer(ref, reviewer: "rev-b", as: "chair") }?.code == "role_required")

            // Declared after assignment: the submission is blocked, also when the secretariat enters it.
            _ = try store.assignReviewer(ref, reviewer: "rev-b", as: "sec")
            _ = try store.assignReviewer(ref, reviewer: "rev-c", as: "sec")
            _ = try store.assignReviewer(ref, reviewer: "chair", as: "sec")
            _ = try store.declareConflict(reviewer: "rev-b", organisation: "NGO-ALPHA", reason: "Brother works there", as: "sec")
            #expect(refusal { _ = try store.submitReview(ref, fund.scores(4), as: "rev-b") }?.code == "reviewer_conflict_declared")
            #expect(refusal { _ = try store.submitReview(ref, reviewer: "rev-b", fund.scores(4), as: "sec") }?.code == "reviewer_conflict_declared")

            // Declared after submission: the review stops counting.
            _ = try store.submitReview(ref, fund.scores(4), as: "rev-c")
            _ = try store.submitReview(ref, fund.scores(2), as: "chair")
            _ = try store.declareConflict(reviewer: "rev-c", organisation: "NGO-ALPHA", reason: "Consultancy last year", as: "rev-c")
            let reviews = try store.proposalReviews(ref)
            #expect(reviews.progress.submitted == 1)
            #expect(reviews.progress.pending == 0)
            #expect(reviews.reviews.first { $0.reviewer == "rev-c" }?.counts == false)
            // Replacements and re-aggregation were enqueued for the proposal.
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1 AND unique_key = $2", [JobKinds.proposalAggregateReviews, "aggregate:\(ref):1"]) == 1)

            // The database refuses a conflicted submission too (trigger).
            let connection = try db.connect()
            defer { connection.close() }
            #expect(throws: PostgresError.self) {
                try connection.query(
                    """
                    UPDATE reviews SET state = 'submitted', scores = '{}', submitted_at = now(), entered_by = reviewer_id, conflicted_at = NULL
                    WHERE reviewer_id = (SELECT id FROM users WHERE login = 'rev-b')
                    """
                )
            }
            // Even at the deadline, only one counted review: not scored.
            let late = Fund(db, clock: { Date().addingTimeInterval(50 * 86_400) })
            #expect(try late.store.aggregateReviews(proposalID: proposal.id) == nil)
            #expect(try fund.state(ref) == "in_review")
        }
    }

    /// A conflict declared after scoring discounts the reviewer's review; below the quorum the proposal goes
    /// back to review for a replacement, which scores it again on the reviews that count.
    @Test func aConflictAfterScoringReopensTheReviewBelowQuorum() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            try fund.reviewPanel(["rev-a", "rev-b", "rev-c", "rev-d"])
            let proposal = try fund.proposalInReview()
            let ref = proposal.reference
            for login in ["rev-a", "rev-b", "rev-c"] {
                _ = try store.assignReviewer(ref, reviewer: login, as: "sec")
                _ = try store.submitReview(ref, fund.scores(login == "rev-c" ? 1 : 4, comments: "Weak plan."), as: login)
            }
            #expect(try store.aggregateReviews(proposalID: proposal.id) != nil)
            #expect(try fund.state(ref) == "scored")
            _ = try store.declareConflict(reviewer: "rev-c", organisation: "NGO-ALPHA", reason: "Former employer", as: "rev-c")
            #expect(try store.aggregateReviews(proposalID: proposal.id) == nil)
            #expect(try fund.state(ref) == "in_review")
            #expect(try store.proposalHistory(ref).map(\.type).contains("proposal.review_reopened"))
            #expect(try store.assignReviewers(proposalID: proposal.id).map(\.reviewer) == ["rev-d"])
            _ = try store.submitReview(ref, fund.scores(4), as: "rev-d")
            let rescored = try #require(try store.aggregateReviews(proposalID: proposal.id))
            #expect(try fund.state(ref) == "scored")
            #expect(rescored.aggregation.totals.count == 3)
            #expect(rescored.aggregation.mean == Score(hundredths: 8_000), "rev-c's low score no longer counts")
        }
    }

    @Test func automaticAssignmentBalancesLoadAndRefusesBelowQuorum() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            try fund.reviewPanel(["rev-a", "rev-b", "rev-c", "rev-d", "rev-e"])
            _ = try store.declareConflict(reviewer: "rev-e", organisation: "NGO-ALPHA", reason: "Board member", as: "rev-e")
            let first = try fund.proposalInReview()
            let second = try fund.proposalInReview()

            #expect(try store.assignReviewersAutomatically(first.reference, as: "sec").map(\.reviewer) == ["rev-a", "rev-b", "rev-c"])
            #expect(try fund.state(first.reference) == "in_review")
            // rev-d has no open assignment, then the least loaded by login; rev-e is conflicted.
            #expect(try store.assignReviewers(proposalID: second.id).map(\.reviewer) == ["rev-d", "rev-a", "rev-b"])
            // Full panels: nothing more (idempotent for the daemon).
            #expect(try store.assignReviewers(proposalID: first.id).isEmpty)
            #expect(try store.committee("PRC-HEALTH").members.map(\.openAssignments) == [2, 2, 1, 1, 0])

            // A recusal makes room for a replacement, chosen the same way.
            _ = try store.recuseReview(first.reference, reason: "Travelling", as: "rev-a")
            #expect(try store.assignReviewersAutomatically(first.reference, as: "sec").map(\.reviewer) == ["rev-d"])
            // The chair reassigns; the recused reviewer is not assigned again.
            _ = try store.reassignReview(second.reference, from: "rev-b", to: "rev-c", reason: "Balance the load", as: "rev-a")
            #expect(refusal { _ = try store.reassignReview(second.reference, from: "rev-c", to: "rev-b", reason: "x", as: "rev-d") }?.code == "role_required")
            #expect(try store.reviews(ReviewFilter(reference: second.reference, state: "assigned")).map(\.reviewer) == ["rev-a", "rev-c", "rev-d"])

            // Too few eligible members for the quorum: refused, nobody assigned.
            try fund.reviewPanel(["rev-a", "rev-e"], committee: "PRC-WASH", cluster: .wash, quorum: 3)
            let wash = try fund.proposalInReview(cluster: "wash")
            let refused = refusal { _ = try store.assignReviewersAutomatically(wash.reference, as: "sec") }
            #expect(refused?.code == "too_few_eligible_reviewers")
            #expect(refused?.message.contains("1 eligible member") == true)
            #expect(try store.reviews(ReviewFilter(reference: wash.reference)).isEmpty)

            // A withdrawal cancels the open assignments (the daemon's handler), once.
            _ = try store.withdrawProposal(second.reference, reason: "Funded elsewhere", as: "ngo")
            #expect(try store.cancelReviews(proposalID: second.id).map(\.recusalReason) == ["Proposal withdrawn", "Proposal withdrawn", "Proposal withdrawn"])
            #expect(try store.cancelReviews(proposalID: second.id).isEmpty)

            // Not before screening.
            let unscreened = try store.submitProposal(Fund.submission(), as: "ngo")
            #expect(refusal { _ = try store.assignReviewer(unscreened.reference, reviewer: "rev-a", as: "sec") }?.code == "proposal_not_in_review")
        }
    }
}

@Suite struct ReviewQuorumTests {
    @Test func scoredOnlyWithQuorumAndWhenAllAreDoneOrTheDeadlinePassed() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let late = Fund(db, clock: { Date().addingTimeInterval(46 * 86_400) })
            try fund.reviewPanel(["rev-a", "rev-b", "rev-c", "rev-d"])
            let proposal = try fund.proposalInReview()
            let ref = proposal.reference
            for login in ["rev-a", "rev-b", "rev-c", "rev-d"] { _ = try store.assignReviewer(ref, reviewer: login, as: "sec") }
            func aggregateJobs() throws -> Int {
                try fund.count("SELECT count(*) FROM jobs WHERE kind = $1 AND run_at <= now()", [JobKinds.proposalAggregateReviews])
            }
            _ = try store.submitReview(ref, fund.scores(5), as: "rev-a")
            _ = try store.submitReview(ref, fund.scores(3), as: "rev-b")
            // Fewer than the quorum: not scored, not even after the deadline.
            #expect(try store.aggregateReviews(proposalID: proposal.id) == nil)
            #expect(try late.store.aggregateReviews(proposalID: proposal.id) == nil)
            #expect(try aggregateJobs() == 0)
            // Quorum reached, one review still pending before the deadline: not scored, no job.
            _ = try store.submitReview(ref, fund.scores(4), as: "rev-c")
            #expect(try store.aggregateReviews(proposalID: proposal.id) == nil)
            #expect(try fund.state(ref) == "in_review")
            #expect(try aggregateJobs() == 0)
            // The deadline job was scheduled at assignment; at the deadline, the quorum suffices.
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE unique_key = $1", ["aggregate-deadline:\(ref):1"]) == 1)
            let aggregate = try #require(try late.store.aggregateReviews(proposalID: proposal.id))
            #expect(try fund.state(ref) == "scored")
            #expect(aggregate.aggregation.totals.map(\.hundredths) == [10_000, 6_000, 8_000])
            #expect(aggregate.aggregation.mean == Score(hundredths: 8_000))
            #expect(aggregate.aggregation.standardDeviation == Score(hundredths: 1_633))
            #expect(aggregate.aggregation.isDivergent)
            #expect(aggregate.aggregation.passes)
            // The pending reviewer can no longer submit.
            #expect(refusal { _ = try store.submitReview(ref, fund.scores(4), as: "rev-d") }?.code == "proposal_not_in_review")

            // All assignees done: the submission that completes the panel enqueues the aggregation.
            let second = try fund.proposalInReview()
            for login in ["rev-a", "rev-b", "rev-c"] { _ = try store.assignReviewer(second.reference, reviewer: login, as: "sec") }
            _ = try store.submitReview(second.reference, fund.scores(1, comments: "Weak needs analysis."), as: "rev-a")
            #expect(refusal { _ = try store.submitReview(second.reference, fund.scores(1), as: "rev-b") }?.code == "comment_required")
            #expect(refusal { _ = try store.submitReview(second.reference, fund.scores(6), as: "rev-b") }?.code == "score_out_of_range")
            #expect(refusal { _ = try store.submitReview(second.reference, fund.scores(3), as: "rev-d") }?.code == "not_assigned_reviewer")
            _ = try store.submitReview(second.reference, reviewer: "rev-b", fund.scores(2), as: "sec")
            #expect(try aggregateJobs() == 0)
            _ = try store.submitReview(second.reference, fund.scores(2), as: "rev-c")
            #expect(try aggregateJobs() == 1)
            let scored = try #require(try store.aggregateReviews(proposalID: second.id))
            #expect(scored.aggregation.mean == Score(hundredths: 3_333))
            #expect(!scored.aggregation.passes)
            #expect(try fund.state(second.reference) == "scored")
            // Idempotent: a second run changes nothing.
            let again = try #require(try store.aggregateReviews(proposalID: second.id))
            #expect(again.aggregation == scored.aggregation && again.reviewIDs == scored.reviewIDs)
            #expect(try store.proposalHistory(second.reference).filter { $0.type == "proposal.scored" }.count == 1)
            let reviews = try store.proposalReviews(second.reference).reviews
            #expect(reviews.first { $0.reviewer == "rev-b" }?.enteredBy == "sec")
            #expect(reviews.first { $0.reviewer == "rev-a" }?.enteredBy == "rev-a")
            #expect(reviews.map { $0.total?.hundredths } == [2_000, 4_000, 4_000])
        }
    }

    @Test func theScorecardIsFixedOnceAReviewExists() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            try fund.reviewPanel(["rev-a"], quorum: 1)
            let relaxed = try Scorecard(criteria: CallDefaults.scorecard.criteria, passThreshold: 50)
            #expect(try store.setCallScorecard("SA-1", relaxed, as: "sec").configuration.scorecard.passThreshold == 50)
            #expect(refusal { _ = try store.setCallScorecard("SA-1", relaxed, as: "rev-a") }?.code == "role_required")
            let proposal = try fund.proposalInReview()
            _ = try store.assignReviewer(proposal.reference, reviewer: "rev-a", as: "sec")
            _ = try store.submitReview(proposal.reference, fund.scores(3), as: "rev-a")
            #expect(refusal { _ = try store.setCallScorecard("SA-1", CallDefaults.scorecard, as: "sec") }?.code == "scorecard_fixed")
            // The trigger refuses a direct change too.
            let connection = try db.connect()
            defer { connection.close() }
            let error = try #require(throws: PostgresError.self) {
                try connection.query("UPDATE calls SET scorecard = jsonb_set(scorecard, '{passThreshold}', '70') WHERE code = 'SA-1'")
            }
            #expect(error.constraint == "calls_scorecard_fixed")
            #expect(try store.call("SA-1").configuration.scorecard.passThreshold == 50)
        }
    }
}

@Suite struct ReviewImportTests {
    @Test func anImportAppliesAllRowsOrNoneWithLineNumberedErrors() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            try fund.reviewPanel(["rev-a", "rev-b", "rev-c"])
            let first = try fund.proposalInReview()
            let second = try fund.proposalInReview()
            for login in ["rev-a", "rev-b", "rev-c"] { _ = try store.assignReviewer(first.reference, reviewer: login, as: "sec") }
            for login in ["rev-a", "rev-b"] { _ = try store.assignReviewer(second.reference, reviewer: login, as: "sec") }
            let header = "reference,reviewer,relevance,feasibility,value_for_money,capacity,comments"
            let invalid = [
                header,
                "\(first.reference),rev-a,4,4,4,4,Solid",
                "\(first.reference),rev-b,6,4,4,4,",
                "",
                "\(first.reference),rev-d,4,4,4,4,",
                "\(second.reference),rev-a,1,4,4,4,",
                "\(second.reference),rev-b,4,x,4,4,",
                "\(first.reference),rev-a,4,4,4,4,Again",
            ].joined(separator: "\n")
            let error = refusal { _ = try store.importReviews(csv: invalid, as: "sec") }
            #expect(error?.code == "import_invalid")
            let message = error?.message ?? ""
            #expect(message.contains("5 of 6 rows are invalid"))
            for line in [3, 5, 6, 7, 8] { #expect(message.contains("line \(line): "), "line \(line) reported") }
            #expect(!message.contains("line 2:"))
            #expect(message.contains("line 3: 6 is not a valid score"))
            #expect(message.contains("line 8: it repeats the review"))
            #expect(try fund.count("SELECT count(*) FROM reviews WHERE state = 'submitted'") == 0)
            #expect(refusal { _ = try store.importReviews(csv: header, as: "sec") }?.code == "import_empty")
            #expect(refusal { _ = try store.importReviews(csv: invalid, as: "rev-a") }?.code == "role_required")

            let valid = """
                \(header)\r
                \(first.reference),rev-a,4,4,4,4,"Solid, well costed"\r
                \(first.reference),rev-b,1,3,3,3,"Needs:
                a clearer ""target"" group"\r
                \(second.reference),rev-a,5,5,5,5,\r
                """
            let report = try store.importReviews(csv: valid, as: "sec")
            #expect(report.reviews.map(\.reviewer) == ["rev-a", "rev-b", "rev-a"])
            #expect(report.reviews.allSatisfy { $0.enteredBy == "sec" && $0.state == "submitted" })
            #expect(report.reviews[1].generalComments == "Needs:\na clearer \"target\" group")
            #expect(report.reviews[1].comments?["relevance"] == "Needs:\na clearer \"target\" group")
        }
    }
}
