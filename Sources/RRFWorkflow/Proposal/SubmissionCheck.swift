import Foundation

/// The pure check made when an NGO submits (or resubmits) a proposal, from snapshots of the facts.
///
/// The checks run in this order and the first failure is reported: the actor is an `ngo_user` of the
/// organisation; the organisation may submit today; the call is open and its deadline has not passed (first
/// submissions only); the required fields are present and within range; the budget adds up; the currency is the
/// call's; the amount is within the per-proposal ceiling; the call funds the cluster.
public struct SubmissionCheck: Sendable {
    /// The proposal content.
    public let draft: ProposalDraft
    /// The submitting organisation.
    public let organisationID: OrganisationID
    /// The organisation's current state.
    public let organisation: OrganisationMachine
    /// The call's current state.
    public let call: CallMachine
    /// The person submitting.
    public let actor: Actor
    /// The moment of submission.
    public let now: Date
    /// The fund's calendar (its UTC offset gives "today").
    public let calendar: BusinessCalendar
    /// Whether this is a resubmission after a revision request (the call may be closed by then).
    public let isRevision: Bool

    /// Gathers the facts of a submission.
    public init(
        draft: ProposalDraft, organisationID: OrganisationID, organisation: OrganisationMachine, call: CallMachine,
        actor: Actor, now: Date, calendar: BusinessCalendar, isRevision: Bool
    ) {
        self.draft = draft
        self.organisationID = organisationID
        self.organisation = organisation
        self.call = call
        self.actor = actor
        self.now = now
        self.calendar = calendar
        self.isRevision = isRevision
    }

    /// Runs the checks and returns the validated requested amount.
    /// - Throws: `role_required`, `actor_not_in_organisation`, an organisation refusal (`organisation_not_assessed`,
    ///   `due_diligence_expired`, `organisation_ineligible`, `organisation_suspended`), `call_not_open`,
    ///   `submission_deadline_passed`, `required_field_missing`, `title_too_long`, `beneficiaries_not_positive`,
    ///   `requested_amount_not_positive`, `duration_out_of_range`, `budget_total_mismatch`, `currency_mismatch`,
    ///   `currency_differs_from_call`, `amount_above_ceiling`, `cluster_not_funded`.
    @discardableResult
    public func run() throws(WorkflowRejection) -> Money {
        try actor.require(.ngoUser, to: "submit a proposal")
        guard actor.isAffiliated(with: organisationID) else {
            throw WorkflowRejection(
                code: "actor_not_in_organisation",
                message: "\(actor.displayName) does not belong to the submitting organisation; only its own users can submit for it."
            )
        }
        try organisation.requireEligibleToSubmit(on: LocalDate(now, utcOffsetMinutes: calendar.utcOffsetMinutes))
        let configuration = call.state.configuration
        if !isRevision {
            try requireOpenCall(configuration)
        }
        let (cluster, requested) = try requireFields()
        guard requested.currency == configuration.currency else {
            throw WorkflowRejection(
                code: "currency_differs_from_call",
                message: "The proposal asks for \(requested.currency.code) but the call is in \(configuration.currency.code); state the amount in \(configuration.currency.code)."
            )
        }
        guard requested.minorUnits <= configuration.perProposalCeiling.minorUnits else {
            throw WorkflowRejection(
                code: "amount_above_ceiling",
                message: "The requested \(requested.grouped) is above the call's ceiling of \(configuration.perProposalCeiling.grouped) per proposal; reduce the request."
            )
        }
        guard configuration.envelopes[cluster] != nil else {
            throw WorkflowRejection(
                code: "cluster_not_funded",
                message: "The call does not fund the \(cluster.displayName) cluster; choose one of the call's clusters."
            )
        }
        return requested
    }

    private func requireOpenCall(_ configuration: CallConfiguration) throws(WorkflowRejection) {
        switch call.state {
        case .open:
            guard now < configuration.submissionDeadline else {
                throw WorkflowRejection(
                    code: "submission_deadline_passed",
                    message: "The call's submission deadline has passed; the proposal can no longer be submitted to this call."
                )
            }
        case .draft, .closed, .decided, .archived:
            throw WorkflowRejection(
                code: "call_not_open",
                message: "The call is \(call.state.name), not open; proposals can only be submitted while a call is open."
            )
        }
    }

    private func requireFields() throws(WorkflowRejection) -> (Cluster, Money) {
        let title = draft.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw missing("title") }
        guard title.count <= ProposalDraft.maximumTitleLength else {
            throw WorkflowRejection(
                code: "title_too_long",
                message: "The title has \(title.count) characters; shorten it to \(ProposalDraft.maximumTitleLength) or fewer."
            )
        }
        guard let cluster = draft.cluster else { throw missing("cluster") }
        guard draft.locations.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { throw missing("locations") }
        guard draft.beneficiaries > 0 else {
            throw WorkflowRejection(code: "beneficiaries_not_positive", message: "The number of beneficiaries must be above zero.")
        }
        guard let requested = draft.requested else { throw missing("requested amount") }
        guard requested.isPositive else {
            throw WorkflowRejection(code: "requested_amount_not_positive", message: "The requested amount must be above zero.")
        }
        guard ProposalDraft.durationRange.contains(draft.durationMonths) else {
            throw WorkflowRejection(
                code: "duration_out_of_range",
                message: "A duration of \(draft.durationMonths) months is not accepted; choose 1 to 24 months."
            )
        }
        guard !draft.budgetLines.isEmpty else { throw missing("budget lines") }
        let total = try Money.total(draft.budgetLines.map(\.amount), in: requested.currency)
        guard total == requested else {
            throw WorkflowRejection(
                code: "budget_total_mismatch",
                message: "The budget lines add up to \(total.grouped) but the request is \(requested.grouped); make them equal."
            )
        }
        return (cluster, requested)
    }

    private func missing(_ field: String) -> WorkflowRejection {
        WorkflowRejection(code: "required_field_missing", message: "The proposal has no \(field); fill it in before submitting.")
    }
}
