import Foundation
import JobQueue
import Postgres
import RRFWorkflow

// Reading proposals, and what every proposal command shares: loading under a lock, the machine, job payloads.

extension FundStore {
    /// One proposal by reference.
    public func proposal(_ reference: String) throws -> ProposalRecord {
        try read("proposal.show") { connection, viewer in
            let proposal = try loadProposal(reference, lock: .unlocked, on: connection)
            try viewer.requireProposal(proposal, on: connection)
            return proposal
        }
    }

    /// A page of the proposals matching the filter, by reference.
    public func proposals(_ filter: ProposalFilter = ProposalFilter()) throws -> Page<ProposalRecord> {
        try read("proposal.list") { connection, viewer in
            try connection.page(
                ProposalRecord.select, where: """
                ($1::text IS NULL OR p.state = $1) AND ($2::text IS NULL OR c.code = upper($2))
                   AND ($3::text IS NULL OR p.cluster = $3) AND ($4::text IS NULL OR o.code = upper($4))
                   AND ($5::uuid[] IS NULL OR p.organisation_id = ANY($5::uuid[]))
                   AND ($6::uuid IS NULL OR EXISTS (
                       SELECT 1 FROM reviews r WHERE r.proposal_id = p.id AND r.reviewer_id = $6 AND r.state <> 'recused'
                       AND r.conflicted_at IS NULL AND NOT EXISTS (
                           SELECT 1 FROM conflict_declarations d WHERE d.user_id = $6 AND d.organisation_id = p.organisation_id)))
                """,
                [
                    filter.state, filter.call, filter.cluster?.rawValue, filter.organisation,
                    viewer.reviewerFilter(.proposals) == nil ? viewer.organisationFilter(.proposals) : nil, viewer.reviewerFilter(.proposals),
                ],
                orderedBy: [PageKey("p.reference", "text")], limit: Validate.limit(filter.limit), after: filter.after, ProposalRecord.init(row:)
            )
        }
    }

    /// The audit history of a proposal, oldest first.
    public func proposalHistory(_ reference: String) throws -> [AuditEvent] {
        try read("audit.log") { connection, viewer in
            let record = try loadProposal(reference, lock: .unlocked, on: connection)
            try viewer.requireProposal(record, on: connection)
            return try AuditLog.events(stream: Streams.proposal(record.reference), on: connection)
        }
    }

    // MARK: Internals

    /// Loads the proposal `FOR UPDATE`, checks the expected version and runs `body` with its machine.
    func proposalCommand(
        _ name: String, _ reference: String, expectedVersion: Int?, as login: String,
        _ body: (inout ProposalMachine, ProposalRecord, CommandContext) throws -> ProposalRecord
    ) throws -> ProposalRecord {
        try command(name, as: login, target: reference) { context in
            let loaded = try loadProposal(reference, lock: .update, on: context.connection)
            try context.viewer.requireProposal(loaded, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The proposal \(loaded.reference)")
            var machine = try loaded.machine
            return try body(&machine, loaded, context)
        }
    }

    /// The proposal with `reference` (any case), under `lock`; `not_found` when there is none.
    func loadProposal(_ reference: String, lock: RowLock, on connection: Connection) throws -> ProposalRecord {
        let text = reference.trimmingCharacters(in: .whitespaces).uppercased()
        _ = try ProposalReference(parsing: text)
        guard let row = try connection.query(
            ProposalRecord.select + " WHERE p.reference = $1" + (lock == .unlocked ? "" : lock.rawValue + " OF p"), [text]
        ).first else {
            throw Self.proposalNotFound(text)
        }
        return try ProposalRecord(row: row)
    }

    /// The payload of a proposal job for `round`.
    static func jobPayload(_ record: ProposalRecord, round: Int) -> ProposalJobPayload {
        ProposalJobPayload(proposalID: record.id, reference: record.reference, round: round)
    }
}
