import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// A proposal as an NGO writes it in a JSON or YAML file; amounts as text such as `12500.50 USD`.
public struct ProposalSubmission: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var description: String
        public var amount: String

        public init(description: String, amount: String) {
            self.description = description
            self.amount = amount
        }
    }

    /// The organisation's code.
    public var organisation: String
    /// The call's code.
    public var call: String
    public var cluster: String
    public var title: String
    public var summary: String?
    public var locations: [String]
    public var beneficiaries: Int
    public var requested: String
    public var durationMonths: Int
    public var budgetLines: [Line]

    enum CodingKeys: String, CodingKey {
        case organisation, call, cluster, title, summary, locations, beneficiaries, requested
        case durationMonths = "duration_months"
        case budgetLines = "budget_lines"
    }

    public init(
        organisation: String, call: String, cluster: String, title: String, summary: String? = nil, locations: [String],
        beneficiaries: Int, requested: String, durationMonths: Int, budgetLines: [Line]
    ) {
        self.organisation = organisation
        self.call = call
        self.cluster = cluster
        self.title = title
        self.summary = summary
        self.locations = locations
        self.beneficiaries = beneficiaries
        self.requested = requested
        self.durationMonths = durationMonths
        self.budgetLines = budgetLines
    }

    /// The draft for the workflow's ``SubmissionCheck``, parsing cluster and amounts.
    func draft() throws -> ProposalDraft {
        for (field, text) in [("title", title), ("summary", summary ?? "")] { try Validate.noNUL(text, field: field) }
        let cluster = try Cluster(code: cluster.trimmingCharacters(in: .whitespaces))
        let requested = try Money(parsing: requested)
        var lines: [BudgetLine] = []
        for line in budgetLines {
            let description = try Validate.text(line.description, field: "budget line description", maximum: 500)
            lines.append(BudgetLine(description: description, amount: try Money(parsing: line.amount)))
        }
        let locations = try locations.map { try Validate.text($0, field: "location", maximum: 200) }
        return ProposalDraft(
            title: title, cluster: cluster, locations: locations, beneficiaries: beneficiaries, requested: requested,
            durationMonths: durationMonths, budgetLines: lines
        )
    }
}

/// A proposal as stored (table `proposals`).
public struct ProposalRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let reference: String
    public let organisationID: UUID
    public let organisation: String
    public let callID: UUID
    public let call: String
    public let cluster: Cluster
    public let title: String
    public let summary: String
    public let locations: [String]
    public let beneficiaries: Int
    public let requested: Money
    public let durationMonths: Int
    public let budgetLines: [BudgetLine]
    /// draft | submitted | in_review | scored | approved | rejected | ineligible | revision_requested | resubmitted | withdrawn
    public let state: String
    public let round: Int
    public let submittedBy: String
    public let submittedAt: Date
    public let decisionDue: Date
    public let screeningReason: String?
    public let withdrawalReason: String?
    /// approve | reject | request_revision (the decision of the current round).
    public let decision: String?
    public let decidedByID: UUID?
    public let decidedBy: String?
    public let decidedByName: String?
    public let decidedAt: Date?
    public let approved: Money?
    public let justification: String?
    public let version: Int

    /// The proposal's state machine rebuilt from the record.
    public var machine: ProposalMachine {
        let decisionRecord: ProposalDecision? = if let decision, let kind = ProposalDecision.Kind(rawValue: decision),
            let decidedByID, let decidedAt {
            ProposalDecision(
                kind: kind, amount: approved, justification: justification ?? "", round: round, decidedBy: UserID(decidedByID),
                decidedByName: decidedByName ?? decidedBy ?? "", decidedAt: decidedAt
            )
        } else {
            nil
        }
        let state: ProposalMachine.State = switch (self.state, decisionRecord) {
        case ("submitted", _): .submitted(round: round)
        case ("in_review", _): .inReview(round: round)
        case ("scored", _): .scored(round: round)
        case ("approved", let decision?): .approved(decision)
        case ("rejected", let decision?): .rejected(decision)
        case ("ineligible", _): .ineligible(reason: screeningReason ?? "")
        case ("revision_requested", _): .revisionRequested(round: round, reason: justification ?? "")
        case ("resubmitted", _): .resubmitted(round: round)
        case ("withdrawn", _): .withdrawn(reason: withdrawalReason ?? "")
        default: .draft
        }
        return ProposalMachine(state: state)
    }

    /// The content as a draft, for a resubmission without changes.
    var draft: ProposalDraft {
        ProposalDraft(
            title: title, cluster: cluster, locations: locations, beneficiaries: beneficiaries, requested: requested,
            durationMonths: durationMonths, budgetLines: budgetLines
        )
    }

    static let select = """
        SELECT p.id, p.reference, p.organisation_id, o.code AS organisation, p.call_id, c.code AS call, p.cluster, p.title,
               p.summary, to_json(p.locations)::text AS locations, p.beneficiaries, p.requested_minor, p.currency,
               p.duration_months, p.budget_lines::text AS budget_lines, p.state, p.round, s.login AS submitted_by,
               p.submitted_at, p.decision_due, p.screening_reason, p.withdrawal_reason, p.decision, p.decided_by AS decided_by_id,
               d.login AS decided_by, d.display_name AS decided_by_name, p.decided_at, p.approved_minor, p.justification, p.version
        FROM proposals p
        JOIN organisations o ON o.id = p.organisation_id
        JOIN calls c ON c.id = p.call_id
        JOIN users s ON s.id = p.submitted_by
        LEFT JOIN users d ON d.id = p.decided_by
        """

    init(row: Row) throws {
        let currency = try Currency.stored(try row.decode("currency"))
        id = try row.decode("id")
        reference = try row.decode("reference")
        organisationID = try row.decode("organisation_id")
        organisation = try row.decode("organisation")
        callID = try row.decode("call_id")
        call = try row.decode("call")
        cluster = try Cluster.stored(try row.decode("cluster"))
        title = try row.decode("title")
        summary = try row.decode("summary")
        locations = try row.decode("locations", as: JSONValue<[String]>.self).value
        beneficiaries = try row.decode("beneficiaries")
        requested = Money(minorUnits: try row.decode("requested_minor"), currency: currency)
        durationMonths = try row.decode("duration_months")
        budgetLines = try row.decode("budget_lines", as: JSONValue<[BudgetLine]>.self).value
        state = try row.decode("state")
        round = try row.decode("round")
        submittedBy = try row.decode("submitted_by")
        submittedAt = try row.decode("submitted_at")
        decisionDue = try row.decode("decision_due")
        screeningReason = try row.decode("screening_reason")
        withdrawalReason = try row.decode("withdrawal_reason")
        decision = try row.decode("decision")
        decidedByID = try row.decode("decided_by_id")
        decidedBy = try row.decode("decided_by")
        decidedByName = try row.decode("decided_by_name")
        decidedAt = try row.decode("decided_at")
        approved = try row.decode("approved_minor", as: Int64?.self).map { Money(minorUnits: $0, currency: currency) }
        justification = try row.decode("justification")
        version = try row.decode("version")
    }
}

/// The fund manager's decision as entered.
public enum ProposalDecisionInput: Sendable, Equatable {
    case approve(amount: Money, justification: String)
    case reject(justification: String)
    case requestRevision(reason: String)
}

/// Filters of ``FundStore/proposals(_:)``.
public struct ProposalFilter: Sendable, Equatable {
    public var state: String?
    /// Call code.
    public var call: String?
    public var cluster: Cluster?
    /// Organisation code.
    public var organisation: String?
    public var limit: Int
    public var offset: Int

    public init(state: String? = nil, call: String? = nil, cluster: Cluster? = nil, organisation: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.state = state
        self.call = call
        self.cluster = cluster
        self.organisation = organisation
        self.limit = limit
        self.offset = offset
    }
}

extension FundStore {
    /// The longest summary accepted, in characters.
    public static let maximumSummaryLength = 20_000

    /// Submits a proposal for an organisation to an open call (an ngo_user of that organisation); gives it its
    /// reference (e.g. `RRF-2026-0042`) and, for reserve calls, schedules the decision SLA watch.
    public func submitProposal(_ submission: ProposalSubmission, as login: String) throws -> ProposalRecord {
        try command("proposal.submit", as: login) { context in
            let organisation = try loadOrganisation(submission.organisation, lock: .share, on: context.connection)
            let call = try loadCall(submission.call, lock: .share, on: context.connection)
            let draft = try submission.draft()
            let summary = try Self.summary(submission.summary)
            var machine = ProposalMachine(state: .draft)
            let (round, requested, decisionDue) = try runSubmission(
                &machine, draft: draft, organisation: organisation, call: call, context: context, isRevision: false
            )
            let reference = try nextReference(on: context)
            let id = UUID()
            try context.connection.query(
                """
                INSERT INTO proposals (id, reference, organisation_id, call_id, cluster, title, summary, locations, beneficiaries,
                    requested_minor, currency, duration_months, budget_lines, state, round, submitted_by, submitted_at, decision_due)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18)
                """,
                [
                    id, reference, organisation.id, call.id, draft.cluster?.rawValue, draft.title.trimmingCharacters(in: .whitespacesAndNewlines),
                    summary, draft.locations, draft.beneficiaries, requested.minorUnits, requested.currency.code, draft.durationMonths,
                    JSONValue(draft.budgetLines), machine.state.name, round, context.actor.userID.uuid, context.now, decisionDue,
                ]
            )
            let record = try loadProposal(reference, lock: .update, on: context.connection)
            try context.audit(Streams.proposal(reference), "proposal.submitted", record)
            try enqueueAfterSubmission(record, kind: call.configuration.kind, context: context)
            return record
        }
    }

    /// Resubmits a proposal sent back for revision, as a new review round; `revised` replaces the content
    /// (its organisation and call must stay the same), nil keeps it.
    public func resubmitProposal(
        _ reference: String, revised: ProposalSubmission? = nil, expectedVersion: Int? = nil, as login: String
    ) throws -> ProposalRecord {
        try proposalCommand("proposal.resubmit", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let organisation = try loadOrganisation(loaded.organisation, lock: .share, on: context.connection)
            let call = try loadCall(id: loaded.callID, lock: .share, on: context.connection)
            if let revised {
                try ProposalDraft.requireRevisionInPlace(
                    organisation: revised.organisation, call: revised.call, originalOrganisation: loaded.organisation, originalCall: loaded.call
                )
            }
            let draft = try revised?.draft() ?? loaded.draft
            let summary = try revised.map { try Self.summary($0.summary) } ?? loaded.summary
            let (round, requested, decisionDue) = try runSubmission(
                &machine, draft: draft, organisation: organisation, call: call, context: context, isRevision: true
            )
            try context.updateVersioned(
                """
                UPDATE proposals SET state = $3, round = $4, cluster = $5, title = $6, summary = $7, locations = $8::text[],
                    beneficiaries = $9, requested_minor = $10, currency = $11, duration_months = $12, budget_lines = $13::jsonb,
                    submitted_by = $14, submitted_at = $15, decision_due = $16, decision = NULL, decided_by = NULL,
                    decided_at = NULL, approved_minor = NULL, justification = NULL, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [
                    loaded.id, loaded.version, machine.state.name, round, draft.cluster?.rawValue,
                    draft.title.trimmingCharacters(in: .whitespacesAndNewlines), summary, draft.locations, draft.beneficiaries,
                    requested.minorUnits, requested.currency.code, draft.durationMonths, JSONValue(draft.budgetLines),
                    context.actor.userID.uuid, context.now, decisionDue,
                ],
                what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            try context.audit(Streams.proposal(record.reference), "proposal.resubmitted", record)
            try enqueueAfterSubmission(record, kind: call.configuration.kind, context: context)
            return record
        }
    }

    /// Screens a submitted (or resubmitted) proposal (secretariat): passing sends it to review; failing makes it
    /// ineligible and needs a reason.
    public func screenProposal(
        _ reference: String, passed: Bool, reason: String? = nil, expectedVersion: Int? = nil, as login: String
    ) throws -> ProposalRecord {
        try proposalCommand("proposal.screen", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let action = passed
                ? try machine.passScreening(by: context.actor)
                : try machine.failScreening(reason: reason ?? "", by: context.actor)
            let screeningReason: String? = if case .ineligible(let text) = machine.state { text } else { nil }
            try context.updateVersioned(
                "UPDATE proposals SET state = $3, screening_reason = $4, version = version + 1 WHERE id = $1 AND version = $2",
                [loaded.id, loaded.version, machine.state.name, screeningReason], what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            let stream = Streams.proposal(record.reference)
            switch action {
            case .assignReviewers(let round):
                try context.audit(stream, "proposal.screening_passed", record)
                try context.enqueue(NewJobs.make(
                    JobKinds.proposalAssignReviewers, Self.jobPayload(record, round: round), uniqueKey: "assign:\(record.reference):\(round)"
                ))
            case .notifyIneligible(let reason):
                try context.audit(stream, "proposal.screening_failed", record)
                try context.notify(notification(record, event: "proposal.screening_failed", message: "Proposal \(record.reference) did not pass screening: \(reason)"))
            case .recordSubmission, .requestDecision, .commitFunds, .recordDecision, .cancelReviews:
                throw Self.unexpected(action, answering: "screening")
            }
            return record
        }
    }

    /// Decides on a scored proposal (fund manager, not affiliated with the organisation). An approval commits its
    /// amount against the envelope of the proposal's call and cluster in the same transaction.
    public func decideProposal(
        _ reference: String, _ decision: ProposalDecisionInput, expectedVersion: Int? = nil, as login: String
    ) throws -> ProposalRecord {
        try proposalCommand("proposal.decide", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let organisationID = OrganisationID(loaded.organisationID)
            let action: ProposalMachine.Action
            switch decision {
            case .approve(let amount, let justification):
                let envelope = try context.connection.query(
                    "SELECT amount_minor - committed_minor AS balance FROM call_envelopes WHERE call_id = $1 AND cluster = $2 FOR UPDATE",
                    [loaded.callID, loaded.cluster.rawValue]
                ).single()
                let balance = Money(minorUnits: try envelope.decode("balance"), currency: loaded.requested.currency)
                action = try machine.approve(
                    amount: amount, requested: loaded.requested, envelopeBalance: balance, justification: justification,
                    organisationID: organisationID, at: context.now, by: context.actor
                )
            case .reject(let justification):
                action = try machine.reject(justification: justification, organisationID: organisationID, at: context.now, by: context.actor)
            case .requestRevision(let reason):
                action = try machine.requestRevision(reason: reason, organisationID: organisationID, at: context.now, by: context.actor)
            }
            let recorded: ProposalDecision
            switch action {
            case .commitFunds(let approval):
                recorded = approval
                // Grants module (issue #5): the ledger is the source of truth; it moves envelope → committed here.
                if let amount = approval.amount { try commitApproval(loaded, amount: amount, context: context) }
                let committed = try context.connection.query(
                    "UPDATE call_envelopes SET committed_minor = committed_minor + $3 WHERE call_id = $1 AND cluster = $2",
                    [loaded.callID, loaded.cluster.rawValue, approval.amount?.minorUnits ?? 0]
                )
                guard committed.affectedRows == 1 else { throw StoreError.changedSinceLoaded("The envelope of \(loaded.call)") }
            case .recordDecision(let other):
                recorded = other
            case .recordSubmission, .assignReviewers, .notifyIneligible, .requestDecision, .cancelReviews:
                throw Self.unexpected(action, answering: "a decision")
            }
            try context.updateVersioned(
                """
                UPDATE proposals SET state = $3, decision = $4, decided_by = $5, decided_at = $6, approved_minor = $7,
                    justification = $8, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [
                    loaded.id, loaded.version, machine.state.name, recorded.kind.rawValue, recorded.decidedBy.uuid, recorded.decidedAt,
                    recorded.amount?.minorUnits, recorded.justification,
                ],
                what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            let eventType = switch recorded.kind {
            case .approve: "proposal.approved"
            case .reject: "proposal.rejected"
            case .requestRevision: "proposal.revision_requested"
            }
            try context.audit(Streams.proposal(record.reference), eventType, record)
            if recorded.kind == .approve {
                try context.enqueue(NewJobs.make(
                    JobKinds.proposalCreateGrant, Self.jobPayload(record, round: record.round), uniqueKey: "grant:\(record.reference)"
                ))
            }
            try context.notify(notification(record, event: eventType, message: "Decision on proposal \(record.reference): \(recorded.kind.rawValue.replacingOccurrences(of: "_", with: " ")). \(recorded.justification)"))
            return record
        }
    }

    /// Withdraws a proposal before its decision (a user of the organisation or the secretariat); reason required.
    public func withdrawProposal(_ reference: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> ProposalRecord {
        try proposalCommand("proposal.withdraw", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let action = try machine.withdraw(reason: reason, organisationID: OrganisationID(loaded.organisationID), by: context.actor)
            guard case .cancelReviews(let reason) = action else {
                throw Self.unexpected(action, answering: "a withdrawal")
            }
            try context.updateVersioned(
                "UPDATE proposals SET state = $3, withdrawal_reason = $4, version = version + 1 WHERE id = $1 AND version = $2",
                [loaded.id, loaded.version, machine.state.name, reason], what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            try context.audit(Streams.proposal(record.reference), "proposal.withdrawn", record)
            try context.enqueue(NewJobs.make(
                JobKinds.proposalCancelReviews, Self.jobPayload(record, round: record.round), uniqueKey: "cancel-reviews:\(record.reference)"
            ))
            return record
        }
    }

    /// One proposal by reference.
    public func proposal(_ reference: String) throws -> ProposalRecord {
        try read("proposal.show") { connection in try loadProposal(reference, lock: .unlocked, on: connection) }
    }

    /// Proposals matching the filter, by reference.
    public func proposals(_ filter: ProposalFilter = ProposalFilter()) throws -> [ProposalRecord] {
        try read("proposal.list") { connection in
            try connection.query(
                ProposalRecord.select + """
                 WHERE ($1::text IS NULL OR p.state = $1) AND ($2::text IS NULL OR c.code = upper($2))
                   AND ($3::text IS NULL OR p.cluster = $3) AND ($4::text IS NULL OR o.code = upper($4))
                ORDER BY p.reference LIMIT $5 OFFSET $6
                """,
                [filter.state, filter.call, filter.cluster?.rawValue, filter.organisation, Validate.limit(filter.limit), Validate.offset(filter.offset)]
            ).rows.map(ProposalRecord.init(row:))
        }
    }

    /// The audit history of a proposal, oldest first.
    public func proposalHistory(_ reference: String) throws -> [AuditEvent] {
        try read("audit.log") { connection in
            let record = try loadProposal(reference, lock: .unlocked, on: connection)
            return try AuditLog.events(stream: Streams.proposal(record.reference), on: connection)
        }
    }

    /// Recomputes every audit chain on one snapshot of the log; empty when the log is intact.
    public func verifyAuditLog() throws -> [AuditBreak] {
        try read("audit.verify", isolation: .repeatableRead) { connection in try AuditLog.verify(on: connection) }
    }

    // MARK: Internals

    private func proposalCommand(
        _ name: String, _ reference: String, expectedVersion: Int?, as login: String,
        _ body: (inout ProposalMachine, ProposalRecord, CommandContext) throws -> ProposalRecord
    ) throws -> ProposalRecord {
        try command(name, as: login) { context in
            let loaded = try loadProposal(reference, lock: .update, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The proposal \(loaded.reference)")
            var machine = loaded.machine
            return try body(&machine, loaded, context)
        }
    }

    func loadProposal(_ reference: String, lock: RowLock, on connection: Connection) throws -> ProposalRecord {
        let text = reference.trimmingCharacters(in: .whitespaces).uppercased()
        _ = try ProposalReference(parsing: text)
        guard let row = try connection.query(
            ProposalRecord.select + " WHERE p.reference = $1" + (lock == .unlocked ? "" : lock.rawValue + " OF p"), [text]
        ).first else {
            throw StoreError.notFound("No proposal has the reference \(text); list them with `rrfctl proposal list`.")
        }
        return try ProposalRecord(row: row)
    }

    /// Runs the ``SubmissionCheck`` through `submit` or, for a revision, `resubmit`, then checks the call's training
    /// requirements (a revision too: a certificate may have expired since); returns what to record.
    private func runSubmission(
        _ machine: inout ProposalMachine, draft: ProposalDraft, organisation: OrganisationRecord, call: CallRecord,
        context: CommandContext, isRevision: Bool
    ) throws -> (round: Int, requested: Money, decisionDue: Date) {
        let check = SubmissionCheck(
            draft: draft, organisationID: OrganisationID(organisation.id), organisation: organisation.machine,
            call: call.machine, actor: context.actor, now: context.now, calendar: calendar, isRevision: isRevision
        )
        let action = isRevision ? try machine.resubmit(check) : try machine.submit(check)
        guard case .recordSubmission(let round, let requested, let decisionDue) = action else {
            throw Self.unexpected(action, answering: isRevision ? "a resubmission" : "a submission")
        }
        // FundStore+Training.swift: refused naming the missing course.
        try requireCallTraining(organisation: organisation, call: call, context: context)
        return (round, requested, decisionDue)
    }

    /// A machine answered an event with an action the command does not expect: a defect.
    static func unexpected(_ action: ProposalMachine.Action, answering event: String) -> StoreError {
        StoreError(.internal, code: "unexpected_action", "The proposal machine answered \(event) with \(action); this is a defect, please report it.")
    }

    /// The next reference of the current year from the per-year counter (the row lock serialises submitters).
    private func nextReference(on context: CommandContext) throws -> String {
        let year = context.today.year
        let sequence = try context.connection.query(
            """
            INSERT INTO proposal_reference_counters (prefix, year, last_sequence) VALUES ($1, $2, 1)
            ON CONFLICT (prefix, year) DO UPDATE SET last_sequence = proposal_reference_counters.last_sequence + 1
            RETURNING last_sequence
            """,
            [referencePrefix, year]
        ).single().decode("last_sequence", as: Int.self)
        return try ProposalReference(prefix: referencePrefix, year: year, sequence: sequence).description
    }

    private func enqueueAfterSubmission(_ record: ProposalRecord, kind: CallKind, context: CommandContext) throws {
        switch kind {
        case .reserve:
            try context.enqueue(NewJobs.make(
                JobKinds.proposalDecisionSLAWatch, Self.jobPayload(record, round: record.round), runAt: record.decisionDue,
                uniqueKey: "sla:\(record.reference):\(record.round)"
            ))
        case .standard:
            break
        }
        try context.notify(NotifyPayload(
            event: record.round > 1 ? "proposal.resubmitted" : "proposal.submitted", stream: Streams.proposal(record.reference),
            organisationID: nil, roles: [Role.secretariat.rawValue],
            message: "Proposal \(record.reference) from \(record.organisation) (round \(record.round)) awaits screening."
        ))
    }

    private func notification(_ record: ProposalRecord, event: String, message: String) -> NotifyPayload {
        NotifyPayload(
            event: event, stream: Streams.proposal(record.reference), organisationID: record.organisationID.uuidString.lowercased(),
            roles: [Role.ngoUser.rawValue], message: message
        )
    }

    static func jobPayload(_ record: ProposalRecord, round: Int) -> ProposalJobPayload {
        ProposalJobPayload(proposalID: record.id, reference: record.reference, round: round)
    }

    static func summary(_ text: String?) throws -> String {
        try Validate.optionalText(text, field: "summary", maximum: maximumSummaryLength)
    }
}
