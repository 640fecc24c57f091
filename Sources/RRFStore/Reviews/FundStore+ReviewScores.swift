import Foundation
import JobQueue
import Postgres
import RRFWorkflow

extension FundStore {
    // MARK: Scores

    /// Submits a review: by the assigned reviewer, or by the secretariat on the reviewer's behalf (`reviewer`
    /// names them; recorded as entered by the secretariat). May complete the panel: then the aggregation job is
    /// enqueued in the same transaction.
    public func submitReview(_ reference: String, reviewer: String? = nil, _ input: ReviewScoresInput, as login: String) throws -> ReviewRecord {
        try command("review.submit", as: login) { context in
            // The texts first: a refusal of a comment does not wait for the proposal's state.
            _ = try parsedRule { () throws(WorkflowRejection) in try Scorecard.checkedComments(general: input.comments, perCriterion: input.criterionComments) }
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            return try recordScores(proposal, reviewer: reviewer ?? context.login, input, context: context)
        }
    }

    /// Imports reviews entered by the secretariat from CSV: a header `reference,reviewer,<criterion id>…,comments`
    /// then one row per review. Every row is applied or none: a refusal lists every invalid row by line number.
    public func importReviews(csv: String, as login: String) throws -> ReviewImportReport {
        try command("review.import", as: login) { context in
            try context.actor.require(.secretariat, to: "import reviews")
            let rows = try ReviewImportSheet.read(csv)
            var errors: [String] = []
            var imported: [ReviewRecord] = []
            for row in rows {
                do {
                    let entry = try row.entry.get()
                    try context.connection.execute("SAVEPOINT review_import_row")
                    do {
                        let proposal = try loadProposal(entry.reference, lock: .update, on: context.connection)
                        imported.append(try recordScores(
                            proposal, reviewer: entry.reviewer, ReviewScoresInput(scores: entry.scores, comments: entry.comments), context: context
                        ))
                        try context.connection.execute("RELEASE SAVEPOINT review_import_row")
                    } catch {
                        try context.connection.execute("ROLLBACK TO SAVEPOINT review_import_row")
                        throw error
                    }
                } catch {
                    // The message as it is: it may begin with a person's name.
                    errors.append("line \(row.line): \(Self.storeError(from: error).message)")
                }
            }
            try ReviewImportSheet.requireAllValid(errors, rows: rows.count)
            try context.audit(Streams.reviewImports, "review.imported", ["rows": imported.count])
            return ReviewImportReport(reviews: imported)
        }
    }

    /// Replaces the scorecard of a call (secretariat) while no proposal of the call has a review; refused after
    /// (also by a trigger).
    public func setCallScorecard(_ code: String, _ scorecard: Scorecard, expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try command("call.set_scorecard", as: login) { context in
            try context.actor.require(.secretariat, to: "change a call's scorecard")
            try scorecard.validate()
            let loaded = try loadCallForUpdate(code, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The call \(loaded.code)")
            let reviewed = try context.connection.query(
                "SELECT count(*) AS n FROM reviews r JOIN proposals p ON p.id = r.proposal_id WHERE p.call_id = $1", [loaded.id]
            ).single().decode("n", as: Int.self)
            try loaded.machine.requireScorecardChangeable(code: loaded.code, reviews: reviewed)
            try mappingReviewConstraints {
                try context.updateVersioned(
                    "UPDATE calls SET scorecard = $3::jsonb, version = version + 1 WHERE id = $1 AND version = $2",
                    [loaded.id, loaded.version, JSONValue(scorecard)], what: "The call \(loaded.code)"
                )
            }
            let record = try loadCallForUpdate(loaded.code, on: context.connection)
            try context.audit(Streams.call(record.code), "call.scorecard_set", record)
            return record
        }
    }

    // MARK: Score internals

    /// Records a reviewer's scores (entered by the reviewer or the secretariat) and enqueues the aggregation
    /// when this completes the panel.
    func recordScores(_ proposal: ProposalRecord, reviewer: String, _ input: ReviewScoresInput, context: CommandContext) throws -> ReviewRecord {
        let reviewerActor: Actor
        do {
            reviewerActor = try resolveActor(reviewer, on: context.connection)
        } catch let error as StoreError where error.code == "unknown_actor" {
            throw StoreError.notFound("No user has the login \"\(reviewer)\"; list them with `rrfctl user list`.")
        }
        if reviewerActor.userID != context.actor.userID {
            try context.actor.require(.secretariat, to: "enter scores on a reviewer's behalf")
        }
        try requireInReview(proposal)
        let loaded = try loadReview(proposal, reviewerID: reviewerActor.userID.uuid, at: context.now, on: context.connection)
        let organisationID = OrganisationID(proposal.organisationID)
        let conflicts = try declaredConflicts(of: reviewerActor.userID.uuid, on: context.connection)
        try ReviewMachine.requireUnconflictedToScore(
            reviewerActor, declaredConflicts: conflicts, organisationID: organisationID, conflictDeclaredOnReview: loaded.conflictedAt != nil,
            organisation: proposal.organisation, reference: proposal.reference
        )
        let call = try loadCall(id: proposal.callID, lock: .share, on: context.connection)
        let scorecard = call.configuration.scorecard
        let comments = try scorecard.comments(general: input.comments, perCriterion: input.criterionComments, scores: input.scores)
        var machine = try loaded.machine
        let action = try machine.submit(scores: input.scores, comments: comments, scorecard: scorecard, at: context.now, by: reviewerActor)
        return try ReviewExecutor(store: self, proposal: proposal, loaded: loaded, context: context)
            .perform(action, machine: machine, generalComments: input.comments)
    }
}
