import Foundation
import Postgres
import RRFWorkflow

/// A proposal saved before it is submitted (table `proposal_drafts`): possibly incomplete, no reference yet.
public struct ProposalDraftRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let organisation: String
    public let call: String
    public let content: ProposalSubmission
    public let updatedAt: Date
    public let version: Int

    static let select = """
        SELECT d.id, o.code AS organisation, c.code AS call, d.content::text AS content, d.updated_at, d.version
        FROM proposal_drafts d JOIN organisations o ON o.id = d.organisation_id JOIN calls c ON c.id = d.call_id
        """

    init(row: Row) throws {
        id = try row.decode("id")
        organisation = try row.decode("organisation")
        call = try row.decode("call")
        content = try row.decode("content", as: JSONValue<ProposalSubmission>.self).value
        updatedAt = try row.decode("updated_at")
        version = try row.decode("version")
    }
}

extension FundStore {
    /// Saves a draft of `submission` for its organisation and call: a new one (`id` nil) or over the draft `id`.
    /// Only the organisation's own users write its drafts; the content is checked in full at submission.
    public func saveProposalDraft(_ id: UUID? = nil, _ submission: ProposalSubmission, expectedVersion: Int? = nil, as login: String) throws -> ProposalDraftRecord {
        try command("proposal.draft_save", as: login, target: id?.uuidString) { context in
            let organisation = try loadOrganisation(submission.organisation, lock: .share, on: context.connection)
            let call = try loadCall(submission.call, lock: .share, on: context.connection)
            try DraftAuthoring.requireAuthor(context.actor, of: OrganisationID(organisation.id))
            _ = try Validate.text(submission.title.isEmpty ? "untitled" : submission.title, field: "title", maximum: 300)
            _ = try Self.summary(submission.summary)
            let draftID: UUID
            if let id {
                let loaded = try loadDraft(id, lock: .update, for: context.viewer, on: context.connection)
                try context.requireVersion(loaded.version, expected: expectedVersion, of: "The draft")
                try context.updateVersioned(
                    """
                    UPDATE proposal_drafts SET organisation_id = $3, call_id = $4, content = $5::jsonb, updated_at = $6, version = version + 1
                    WHERE id = $1 AND version = $2
                    """,
                    [id, loaded.version, organisation.id, call.id, JSONValue(submission), context.now], what: "The draft"
                )
                draftID = id
            } else {
                draftID = UUID()
                try context.connection.query(
                    """
                    INSERT INTO proposal_drafts (id, organisation_id, call_id, content, created_by, created_at, updated_at)
                    VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6)
                    """,
                    [draftID, organisation.id, call.id, JSONValue(submission), context.actor.userID.uuid, context.now]
                )
            }
            return try loadDraft(draftID, lock: .unlocked, for: context.viewer, on: context.connection)
        }
    }

    /// The drafts the reader may see (their organisation's), newest first.
    public func proposalDrafts() throws -> [ProposalDraftRecord] {
        try read("proposal.draft_list") { connection, viewer in
            try connection.queryPrepared(
                ProposalDraftRecord.select + " WHERE ($1::uuid[] IS NULL OR d.organisation_id = ANY($1::uuid[])) ORDER BY d.updated_at DESC LIMIT 200",
                [viewer.organisationFilter(.drafts)]
            ).rows.map(ProposalDraftRecord.init(row:))
        }
    }

    /// One draft; not found when it does not exist or is another organisation's.
    public func proposalDraft(_ id: UUID) throws -> ProposalDraftRecord {
        try read("proposal.draft_show") { connection, viewer in try loadDraft(id, lock: .unlocked, for: viewer, on: connection) }
    }

    /// Submits a draft: it becomes a proposal with its reference (checked as any submission), and the draft goes.
    public func submitProposalDraft(_ id: UUID, as login: String) throws -> ProposalRecord {
        try command("proposal.submit", as: login, target: id.uuidString) { context in
            let draft = try loadDraft(id, lock: .update, for: context.viewer, on: context.connection)
            let record = try submit(draft.content, context: context)
            try context.connection.query("DELETE FROM proposal_drafts WHERE id = $1", [id])
            return record
        }
    }

    /// Discards a draft.
    public func discardProposalDraft(_ id: UUID, as login: String) throws {
        try command("proposal.draft_discard", as: login, target: id.uuidString) { context in
            let draft = try loadDraft(id, lock: .update, for: context.viewer, on: context.connection)
            let organisation = try loadOrganisation(draft.organisation, lock: .unlocked, on: context.connection)
            try DraftAuthoring.requireAuthor(context.actor, of: OrganisationID(organisation.id))
            try context.connection.query("DELETE FROM proposal_drafts WHERE id = $1", [id])
        }
    }

    /// The draft `id` if `viewer` may see its organisation's proposals; otherwise, or when there is none, not found.
    private func loadDraft(_ id: UUID, lock: RowLock, for viewer: Viewer, on connection: Connection) throws -> ProposalDraftRecord {
        let notFound = StoreError.notFound("No draft has the id \(id); your drafts are on your dashboard.")
        guard let row = try connection.queryPrepared(
            ProposalDraftRecord.select + " WHERE d.id = $1" + lock.clause(of: "d"), [id]
        ).first else { throw notFound }
        let draft = try ProposalDraftRecord(row: row)
        let organisation = try connection.queryPrepared("SELECT id FROM organisations WHERE code = $1", [draft.organisation]).single()
        try viewer.require(.draft(OrganisationID(try organisation.decode("id"))), notFound: notFound)
        return draft
    }
}
