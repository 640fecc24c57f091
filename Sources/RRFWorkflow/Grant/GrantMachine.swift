import Foundation

/// The terms of a grant, fixed at approval.
public struct GrantTerms: Hashable, Sendable, Codable {
    /// The approved amount.
    public let amount: Money
    /// The partner's risk rating at approval (decides the tranches).
    public let risk: RiskRating
    /// The first day of the project.
    public let startDate: LocalDate
    /// The last day of the project.
    public let endDate: LocalDate

    /// Creates the terms.
    public init(amount: Money, risk: RiskRating, startDate: LocalDate, endDate: LocalDate) {
        self.amount = amount
        self.risk = risk
        self.startDate = startDate
        self.endDate = endDate
    }
}

/// The lifecycle of a grant: agreement_pending → active → closing → closed; active ↔ suspended; closing →
/// active when the accepted final report is reopened; → terminated(reason), which de-commits what was not
/// released.
public struct GrantMachine: Hashable, Sendable {
    /// The states of a grant.
    public enum State: Hashable, Sendable, Codable {
        /// Approved; the agreement is not yet signed.
        case agreementPending(GrantTerms)
        /// Signed; tranches can be released.
        case active(GrantTerms, signedOn: LocalDate)
        /// Releases are on hold.
        case suspended(GrantTerms, signedOn: LocalDate, reason: String)
        /// The final report is in; waiting for its acceptance and the refund.
        case closing(GrantTerms, signedOn: LocalDate)
        /// Finished; `refund` is the unspent balance the organisation returns.
        case closed(GrantTerms, refund: Money)
        /// Ended early.
        case terminated(GrantTerms, reason: String)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case agreementPending = "agreement_pending", active, suspended, closing, closed, terminated
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .agreementPending: .agreementPending
            case .active: .active
            case .suspended: .suspended
            case .closing: .closing
            case .closed: .closed
            case .terminated: .terminated
            }
        }

        /// The terms, whatever the state.
        public var terms: GrantTerms {
            switch self {
            case .agreementPending(let terms), .active(let terms, _), .suspended(let terms, _, _), .closing(let terms, _),
                 .closed(let terms, _), .terminated(let terms, _):
                terms
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store the signature, create the tranches with these amounts (in order) and the report schedule, and
        /// evaluate the first tranche's conditions.
        case createTranches([Money], reports: [ReportSpec])
        /// Store the suspension; releases are refused until the grant resumes.
        case holdReleases(reason: String)
        /// Store the resumption and re-evaluate tranche conditions.
        case resumeReleases
        /// Store that the grant is closing.
        case awaitFinalAcceptance
        /// Store that the grant runs again (its final report was reopened) and expect a corrected final report.
        case awaitCorrectedFinalReport
        /// Store the closure, record the refund of the unspent balance in the ledger (may be zero) and de-commit
        /// what was never released (`unreleased`, may be zero).
        case refund(Money, unreleased: Money)
        /// Store the termination, cancel open tranches and de-commit the unreleased amount in the ledger.
        case decommit(Money)
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// The terms of the grant an approved proposal becomes: its approved amount, its organisation's risk rating,
    /// from `start` for `durationMonths` months.
    /// - Throws: `proposal_not_approved`, `risk_unknown`.
    public static func terms(
        proposal reference: String, state: ProposalMachine.State.Name, approved: Money?, organisation: String, risk: RiskRating?, start: LocalDate, durationMonths: Int
    ) throws(WorkflowRejection) -> GrantTerms {
        guard state == .approved, let amount = approved else {
            throw WorkflowRejection(
                code: "proposal_not_approved",
                message: "Proposal \(reference) is \(state.rawValue.replacingOccurrences(of: "_", with: " ")); only an approved proposal becomes a grant."
            )
        }
        guard let risk else {
            throw WorkflowRejection(code: "risk_unknown", message: "\(organisation) has no risk rating; assess it before its grant is signed.")
        }
        return GrantTerms(amount: amount, risk: risk, startDate: start, endDate: start.adding(months: durationMonths).adding(days: -1))
    }

    /// Whether tranches may be released now (the grant is active).
    public var allowsRelease: Bool {
        switch state {
        case .active: true
        case .agreementPending, .suspended, .closing, .closed, .terminated: false
        }
    }

    /// Records the signed agreement and plans the tranches and reports. Fund manager only.
    /// - Throws: `role_required`, `invalid_transition`, or a ``TranchePolicy/grantPlan(for:)`` refusal.
    public mutating func sign(on today: LocalDate, policy: TranchePolicy, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "sign a grant agreement")
        switch state {
        case .agreementPending(let terms):
            let plan = try policy.grantPlan(for: terms)
            state = .active(terms, signedOn: today)
            return .createTranches(plan.tranches, reports: plan.reports)
        case .active, .suspended, .closing, .closed, .terminated:
            throw illegalTransition("grant", event: "sign", state: state.name)
        }
    }

    /// Puts releases on hold. Fund manager only; reason required.
    /// - Throws: `role_required`, `reason_required`, `invalid_transition`.
    public mutating func suspend(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "suspend a grant")
        let reason = try requireText(reason, code: "reason_required", "Give the reason for suspending the grant.")
        switch state {
        case .active(let terms, let signedOn):
            state = .suspended(terms, signedOn: signedOn, reason: reason)
            return .holdReleases(reason: reason)
        case .agreementPending, .suspended, .closing, .closed, .terminated:
            throw illegalTransition("grant", event: "suspend", state: state.name)
        }
    }

    /// Lifts a suspension. Fund manager only.
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func resume(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "resume a grant")
        switch state {
        case .suspended(let terms, let signedOn, _):
            state = .active(terms, signedOn: signedOn)
            return .resumeReleases
        case .agreementPending, .active, .closing, .closed, .terminated:
            throw illegalTransition("grant", event: "resume", state: state.name)
        }
    }

    /// Starts closure when the final report is submitted. Secretariat or fund manager.
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func beginClosing(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "start closing a grant")
        switch state {
        case .active(let terms, let signedOn):
            state = .closing(terms, signedOn: signedOn)
            return .awaitFinalAcceptance
        case .agreementPending, .suspended, .closing, .closed, .terminated:
            throw illegalTransition("grant", event: "begin_closing", state: state.name)
        }
    }

    /// Takes a closing grant back to active because its accepted final report was reopened. Fund manager only.
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func reopen(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "reopen a closing grant")
        switch state {
        case .closing(let terms, let signedOn):
            state = .active(terms, signedOn: signedOn)
            return .awaitCorrectedFinalReport
        case .agreementPending, .active, .suspended, .closed, .terminated:
            throw illegalTransition("grant", event: "reopen", state: state.name)
        }
    }

    /// Closes the grant once the final report is accepted; the refund is what was released but not spent.
    /// Fund manager only.
    /// - Throws: `role_required`, `final_report_not_accepted`, `currency_mismatch`, `spent_exceeds_released`, `invalid_transition`.
    public mutating func close(finalReportAccepted: Bool, released: Money, spent: Money, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "close a grant")
        switch state {
        case .closing(let terms, _):
            guard finalReportAccepted else {
                throw WorkflowRejection(code: "final_report_not_accepted", message: "The final report has not been accepted; accept it before closing the grant.")
            }
            let refund = try released.subtracting(spent)
            guard refund.minorUnits >= 0 else {
                throw WorkflowRejection(
                    code: "spent_exceeds_released",
                    message: "The reported spending of \(spent.grouped) is more than the \(released.grouped) released; correct the final financial report."
                )
            }
            let unreleased = try terms.amount.subtracting(released)
            state = .closed(terms, refund: refund)
            return .refund(refund, unreleased: unreleased)
        case .agreementPending, .active, .suspended, .closed, .terminated:
            throw illegalTransition("grant", event: "close", state: state.name)
        }
    }

    /// Ends the grant early; what was not released is de-committed. Fund manager only; reason required.
    /// - Throws: `role_required`, `reason_required`, `currency_mismatch`, `released_exceeds_grant`, `invalid_transition`.
    public mutating func terminate(reason: String, released: Money, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "terminate a grant")
        let reason = try requireText(reason, code: "reason_required", "Give the reason for terminating the grant.")
        switch state {
        case .agreementPending(let terms), .active(let terms, _), .suspended(let terms, _, _), .closing(let terms, _):
            let unreleased = try terms.amount.subtracting(released)
            guard unreleased.minorUnits >= 0 else {
                throw WorkflowRejection(code: "released_exceeds_grant", message: "The released \(released.grouped) is more than the grant of \(terms.amount.grouped); check the ledger.")
            }
            state = .terminated(terms, reason: reason)
            return .decommit(unreleased)
        case .closed, .terminated:
            throw illegalTransition("grant", event: "terminate", state: state.name)
        }
    }
}
