import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// A grant as stored (table `grants`); its reference is its proposal's.
public struct GrantRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let reference: String
    public let proposalID: UUID
    public let organisationID: UUID
    public let organisation: String
    public let callID: UUID
    public let call: String
    public let cluster: Cluster
    public let amount: Money
    public let risk: RiskRating
    public let startDate: LocalDate
    public let endDate: LocalDate
    /// The stored state (JSON key `state`).
    public let stateName: GrantMachine.State.Name
    public let signedOn: LocalDate?
    public let signatory: String?
    /// Why it is suspended or terminated.
    public let reason: String?
    /// The unspent balance refunded at closure.
    public let refund: Money?
    /// The version of the fund's tranche policy the agreement was signed under (nil before signing).
    public let policyVersion: Int?
    public let version: Int

    /// agreement_pending | active | suspended | closing | closed | terminated
    public var state: String { stateName.rawValue }

    public var terms: GrantTerms { GrantTerms(amount: amount, risk: risk, startDate: startDate, endDate: endDate) }

    /// The grant's state machine rebuilt from the record.
    /// - Throws: `inconsistent_row` when the stored state is unknown or lacks what it needs.
    public var machine: GrantMachine {
        get throws(StoreError) {
            let state: GrantMachine.State
            switch (stateName, signedOn, refund, reason) {
            case (.agreementPending, nil, nil, _): state = .agreementPending(terms)
            case (.active, let signed?, nil, _): state = .active(terms, signedOn: signed)
            case (.suspended, let signed?, nil, let reason?): state = .suspended(terms, signedOn: signed, reason: reason)
            case (.closing, let signed?, nil, _): state = .closing(terms, signedOn: signed)
            case (.closed, _, let refund?, _): state = .closed(terms, refund: refund)
            case (.terminated, _, nil, let reason?): state = .terminated(terms, reason: reason)
            default: throw StoreError.inconsistentRow("The grant \(reference)", state: stateName.rawValue)
            }
            return GrantMachine(state: state)
        }
    }

    /// LEFT JOINs on NOT NULL keys, for the plan `ProposalRecord.select` explains (grants sit under the same policy).
    static let select = """
        SELECT g.id, g.reference, g.proposal_id, g.organisation_id, o.code AS organisation, g.call_id, c.code AS call, g.cluster,
               g.amount_minor, g.currency, g.risk, g.start_date::text AS start_date, g.end_date::text AS end_date, g.state,
               g.signed_on::text AS signed_on, g.signatory, g.reason, g.refund_minor, g.policy_version, g.version
        FROM grants g LEFT JOIN organisations o ON o.id = g.organisation_id LEFT JOIN calls c ON c.id = g.call_id
        """

    init(row: Row) throws {
        let currency = try Currency.stored(try row.decode("currency"))
        id = try row.decode("id")
        reference = try row.decode("reference")
        proposalID = try row.decode("proposal_id")
        organisationID = try row.decode("organisation_id")
        organisation = try row.decode("organisation")
        callID = try row.decode("call_id")
        call = try row.decode("call")
        cluster = try Cluster.stored(try row.decode("cluster"))
        amount = Money(minorUnits: try row.decode("amount_minor"), currency: currency)
        guard let risk = RiskRating(rawValue: try row.decode("risk")) else { throw PostgresError(.decoding, "unknown risk") }
        self.risk = risk
        startDate = try LocalDate.stored(try row.decode("start_date"))
        endDate = try LocalDate.stored(try row.decode("end_date"))
        stateName = try .stored(in: row, of: "The grant \(reference)")
        signedOn = try row.decode("signed_on", as: String?.self).map(LocalDate.stored)
        signatory = try row.decode("signatory")
        reason = try row.decode("reason")
        refund = try row.decode("refund_minor", as: Int64?.self).map { Money(minorUnits: $0, currency: currency) }
        policyVersion = try row.decode("policy_version")
        version = try row.decode("version")
    }

    enum CodingKeys: String, CodingKey {
        case id, reference, proposalID, organisationID, organisation, callID, call, cluster, amount, risk, startDate, endDate
        case stateName = "state", signedOn, signatory, reason, refund, policyVersion, version
    }

    var committedAccount: LedgerAccountKey { .committed(proposalID: proposalID, reference: reference, currency: amount.currency.code) }
    var releasedAccount: LedgerAccountKey {
        .released(proposalID: proposalID, reference: reference, organisationID: organisationID, currency: amount.currency.code)
    }
    var envelopeAccount: LedgerAccountKey {
        .envelope(callID: callID, callCode: call, cluster: cluster.rawValue, currency: amount.currency.code)
    }
}

extension Streams {
    public static func grant(_ reference: String) -> String { "grant:\(reference)" }
}

extension FundStore {
    /// Signs the grant agreement of an approved proposal (fund manager): creates the grant if the daemon has not
    /// yet, then its tranche plan and report schedule from the fund's tranche policy in force (recorded on the
    /// grant as the terms of its agreement; see ``TranchePolicy/grantPlan(for:)``), and asks for the first
    /// tranche's evaluation (job `grant.evaluate_tranches`).
    /// `startDate` (default: today) is used when the grant is created here; the end date is start + duration.
    public func signGrant(
        _ reference: String, signatory: String, startDate: LocalDate? = nil, expectedVersion: Int? = nil, as login: String
    ) throws -> GrantRecord {
        try grantsCommand("grant.sign", as: login) { context in
            let loaded = try loadOrCreateGrant(reference, startDate: startDate, context: context)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The grant \(loaded.reference)")
            let signatory = try Validate.text(signatory, field: "signatory", maximum: 300)
            let policy = try currentTranchePolicy(on: context.connection)
            var machine = try loaded.machine
            let action = try machine.sign(on: context.today, policy: policy.policy, by: context.actor)
            return try GrantExecutor(store: self, loaded: loaded, context: context)
                .perform(action, machine: machine, signing: GrantSigning(signatory: signatory, policyVersion: policy.version))
        }
    }

    /// Creates the grant of an approved proposal in `agreement_pending` (the daemon's `proposal.create_grant`
    /// job; idempotent: an existing grant is returned unchanged).
    public func createGrant(_ reference: String, startDate: LocalDate? = nil, as login: String) throws -> GrantRecord {
        try grantsCommand("grant.create", as: login) { context in
            try context.actor.require(.fundManager, .secretariat, to: "create a grant")
            return try loadOrCreateGrant(reference, startDate: startDate, context: context)
        }
    }

    /// Suspends a grant (fund manager, reason required): releases are refused until it resumes.
    public func suspendGrant(_ reference: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> GrantRecord {
        try grantStateCommand("grant.suspend", reference, expectedVersion: expectedVersion, as: login) { machine, context in
            try machine.suspend(reason: reason, by: context.actor)
        }
    }

    /// Lifts a suspension (fund manager) and asks for the tranches' re-evaluation.
    public func resumeGrant(_ reference: String, expectedVersion: Int? = nil, as login: String) throws -> GrantRecord {
        try grantStateCommand("grant.resume", reference, expectedVersion: expectedVersion, as: login) { machine, context in
            try machine.resume(by: context.actor)
        }
    }

    /// Terminates a grant (fund manager, reason required): cancels every tranche not released and de-commits the
    /// unreleased amount back to the envelope (`committed:<REF>` → `envelope:<CALL>:<cluster>`).
    public func terminateGrant(_ reference: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> GrantRecord {
        try grantsCommand("grant.terminate", as: login) { context in
            let loaded = try loadOrCreateGrant(reference, startDate: nil, context: context)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The grant \(loaded.reference)")
            var machine = try loaded.machine
            let released = try releasedTotal(loaded, on: context.connection)
            let action = try machine.terminate(reason: reason, released: released, by: context.actor)
            return try GrantExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }

    /// Closes a grant whose final report was accepted (fund manager): refunds the unspent balance (released −
    /// reported spent: `released:<REF>` → `refunds:<CUR>`), de-commits anything never released and cancels the
    /// remaining tranches.
    public func closeGrant(_ reference: String, expectedVersion: Int? = nil, as login: String) throws -> GrantRecord {
        try grantsCommand("grant.close", as: login) { context in
            let loaded = try loadGrant(reference, lock: .update, for: context.viewer, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The grant \(loaded.reference)")
            return try close(loaded, context: context)
        }
    }

    /// One grant by reference.
    public func grant(_ reference: String) throws -> GrantRecord {
        try read("grant.show") { connection, viewer in try loadGrant(reference, lock: .unlocked, for: viewer, on: connection) }
    }

    /// A page of the grants, optionally in one state, by reference, after `cursor` (the previous page's ``Page/next``).
    public func grants(state: String? = nil, limit: Int = 50, after cursor: PageCursor? = nil) throws -> Page<GrantRecord> {
        try read("grant.list") { connection, viewer in
            try connection.page(
                GrantRecord.select, where: "($1::text IS NULL OR g.state = $1) AND ($2::uuid[] IS NULL OR g.organisation_id = ANY($2::uuid[]))",
                [state, viewer.organisationFilter(.grants)], orderedBy: [PageKey("g.reference", "text")], limit: Validate.limit(limit), after: cursor,
                GrantRecord.init(row:)
            )
        }
    }

    /// The audit history of a grant (its tranches and reports included), oldest first.
    public func grantHistory(_ reference: String) throws -> [AuditEvent] {
        try read("grant.history") { connection, viewer in
            let record = try loadGrant(reference, lock: .unlocked, for: viewer, on: connection)
            return try AuditLog.events(stream: Streams.grant(record.reference), on: connection)
        }
    }

    // MARK: Internals

    /// The money released so far under a grant.
    func releasedTotal(_ grant: GrantRecord, on connection: Connection) throws -> Money {
        Money(
            minorUnits: try connection.queryPrepared(
                "SELECT coalesce(sum(amount_minor), 0)::bigint AS total FROM tranches WHERE grant_id = $1 AND state = 'released'", [grant.id]
            ).single().decode("total"),
            currency: grant.amount.currency
        )
    }

    private func grantStateCommand(
        _ name: String, _ reference: String, expectedVersion: Int?, as login: String,
        _ event: (inout GrantMachine, CommandContext) throws -> GrantMachine.Action
    ) throws -> GrantRecord {
        try grantsCommand(name, as: login) { context in
            let loaded = try loadGrant(reference, lock: .update, for: context.viewer, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The grant \(loaded.reference)")
            var machine = try loaded.machine
            let action = try event(&machine, context)
            return try GrantExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }

    /// The grant of an approved proposal, locked; created in `agreement_pending` when it does not exist yet.
    /// An existing grant is locked before anything else (the grants lock order, see `grantsCommand`); only a grant
    /// still to be created locks its proposal.
    func loadOrCreateGrant(_ reference: String, startDate: LocalDate?, context: CommandContext) throws -> GrantRecord {
        let text = reference.trimmingCharacters(in: .whitespaces).uppercased()
        if let row = try context.connection.query(GrantRecord.select + " WHERE g.reference = $1" + RowLock.update.clause(of: "g"), [text]).first {
            return try GrantRecord(row: row)
        }
        let proposal = try loadProposal(reference, lock: .update, on: context.connection)
        if let row = try context.connection.query(GrantRecord.select + " WHERE g.proposal_id = $1" + RowLock.update.clause(of: "g"), [proposal.id]).first {
            return try GrantRecord(row: row)
        }
        let organisation = try loadOrganisation(proposal.organisation, lock: .share, on: context.connection)
        let terms = try GrantMachine.terms(
            proposal: proposal.reference, state: proposal.stateName, approved: proposal.approved, organisation: organisation.code, risk: organisation.risk,
            start: startDate ?? context.today, durationMonths: proposal.durationMonths
        )
        let (amount, risk, start, end) = (terms.amount, terms.risk, terms.startDate, terms.endDate)
        try context.connection.queryPrepared(
            """
            INSERT INTO grants (id, proposal_id, reference, organisation_id, call_id, cluster, amount_minor, currency, risk,
                start_date, end_date, state)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11::date, 'agreement_pending')
            """,
            [UUID(), proposal.id, proposal.reference, proposal.organisationID, proposal.callID, proposal.cluster.rawValue,
             amount.minorUnits, amount.currency.code, risk.rawValue, start.description, end.description]
        )
        let record = try loadGrant(proposal.reference, lock: .update, for: context.viewer, on: context.connection)
        try context.audit(Streams.grant(record.reference), "grant.created", record)
        return record
    }

    /// The grant with `reference` under `lock`, if `viewer` may see it; otherwise, or when there is none, `not_found`.
    func loadGrant(_ reference: String, lock: RowLock, for viewer: Viewer, on connection: Connection) throws -> GrantRecord {
        let text = reference.trimmingCharacters(in: .whitespaces).uppercased()
        let notFound = StoreError.notFound(
            "No grant has the reference \(text); an approved proposal becomes a grant when its agreement is signed (`rrfctl grant sign`)."
        )
        guard let row = try connection.query(GrantRecord.select + " WHERE g.reference = $1" + lock.clause(of: "g"), [text]).first else {
            throw notFound
        }
        let grant = try GrantRecord(row: row)
        try viewer.require(.grant(OrganisationID(grant.organisationID)), notFound: notFound)
        return grant
    }

    static func evaluateJob(_ grant: GrantRecord) throws -> NewJob {
        try NewJobs.make(
            JobKinds.grantEvaluateTranches, GrantJobPayload(grantID: grant.id, reference: grant.reference),
            uniqueKey: "evaluate:\(grant.reference)"
        )
    }
}

/// Payload of `grant.signed`.
struct GrantSignedEvent: Encodable {
    let grant: GrantRecord
    let tranches: [Money]
    let reports: [ReportSpec]
}

/// Payload of `grant.terminated` (amount de-committed) and `grant.closed` (amount refunded).
struct GrantMoneyEvent: Encodable {
    let grant: GrantRecord
    let amount: Money
}
