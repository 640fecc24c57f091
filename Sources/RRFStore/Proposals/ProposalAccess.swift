import Foundation
import Postgres
import RRFWorkflow

// Who may see a proposal and its reviews: the facts the access policy needs, read for one reader.

extension Viewer {
    /// Refuses unless the reader may see `proposal`: answered as "not found", the same as no such proposal.
    func requireProposal(_ proposal: ProposalRecord, on connection: Connection) throws {
        try require(
            .proposal(OrganisationID(proposal.organisationID), try standing(on: proposal, on: connection)),
            notFound: FundStore.proposalNotFound(proposal.reference)
        )
    }

    /// Whether the reader sees the other reviewers' scores of `proposal`: `.allowed`, `.refused` (blind review:
    /// only their own) or `.notFound`.
    func reviewScoresAccess(_ proposal: ProposalRecord, on connection: Connection) throws -> AccessPolicy.Access {
        guard let actor else { return .allowed }
        return AccessPolicy.read(.reviewScores(OrganisationID(proposal.organisationID), try standing(on: proposal, on: connection)), by: actor)
    }

    /// How the reader stands to `proposal` as a reviewer: conflicted, assigned (in any round; submitted in its
    /// current round) or not assigned.
    func standing(on proposal: ProposalRecord, on connection: Connection) throws -> AccessPolicy.ReviewerStanding {
        guard let actor, actor.has(.reviewer) else { return .notAssigned }
        let row = try connection.queryPrepared(
            """
            SELECT EXISTS (SELECT 1 FROM conflict_declarations d WHERE d.user_id = $1 AND d.organisation_id = $3)
                   OR EXISTS (SELECT 1 FROM reviews r WHERE r.reviewer_id = $1 AND r.proposal_id = $2 AND r.conflicted_at IS NOT NULL)
                   AS conflicted,
                   EXISTS (SELECT 1 FROM reviews r WHERE r.reviewer_id = $1 AND r.proposal_id = $2 AND r.state <> 'recused') AS assigned,
                   EXISTS (SELECT 1 FROM reviews r WHERE r.reviewer_id = $1 AND r.proposal_id = $2 AND r.round = $4
                           AND r.state = 'submitted') AS submitted
            """,
            [actor.userID.uuid, proposal.id, proposal.organisationID, proposal.round]
        ).single()
        if try row.decode("conflicted", as: Bool.self) { return .conflicted }
        guard try row.decode("assigned", as: Bool.self) else { return .notAssigned }
        return .assigned(submitted: try row.decode("submitted"))
    }
}

extension FundStore {
    /// The answer for a proposal that does not exist, or that the reader may not see.
    static func proposalNotFound(_ reference: String) -> StoreError {
        StoreError.notFound("No proposal has the reference \(reference); list them with `rrfctl proposal list`.")
    }
}
