import Foundation

/// The lifecycle of one tranche: planned → ready (conditions met) → approved (fund manager) → released
/// (finance officer, not the approver); planned/ready/approved → cancelled when the grant ends unpaid.
public struct TrancheMachine: Hashable, Sendable {
    /// A person's act with its time.
    public struct Signature: Hashable, Sendable, Codable {
        /// Who acted.
        public let userID: UserID
        /// Their name at the time.
        public let name: String
        /// When.
        public let at: Date
    }

    /// The release record, with the idempotency key that produced it.
    public struct Release: Hashable, Sendable, Codable {
        /// Who released and when.
        public let signature: Signature
        /// The caller's idempotency key.
        public let idempotencyKey: String
    }

    /// The states of a tranche; each carries its position (1-based) and amount.
    public enum State: Hashable, Sendable, Codable {
        /// Waiting for its conditions.
        case planned(sequence: Int, amount: Money)
        /// Conditions met; waiting for the fund manager.
        case ready(sequence: Int, amount: Money)
        /// Approved; waiting for the finance officer.
        case approved(sequence: Int, amount: Money, approval: Signature)
        /// Paid out.
        case released(sequence: Int, amount: Money, approval: Signature, release: Release)
        /// Will not be paid.
        case cancelled(sequence: Int, amount: Money, reason: String)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case planned, ready, approved, released, cancelled
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .planned: .planned
            case .ready: .ready
            case .approved: .approved
            case .released: .released
            case .cancelled: .cancelled
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store readiness and notify the fund manager; audit it with the evidence it was judged on (the policy's
        /// spending threshold and the previous tranche's spending, nil for the first tranche).
        case requestApproval(spendThresholdPercent: Int, previous: PreviousTrancheReport?)
        /// The tranche stays planned: store these unmet conditions on it.
        case recordUnmet([UnmetCondition])
        /// Store the approval and notify the finance officers.
        case requestRelease(Signature)
        /// Store the release and post the ledger movement committed → released for `amount`.
        case postRelease(amount: Money, Release)
        /// Store the cancellation.
        case recordCancellation(reason: String)
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// Evaluates a planned tranche's conditions under the fund's policy: when none is unmet it becomes ready,
    /// otherwise it stays planned with the unmet conditions to store. Secretariat or fund manager (or the daemon
    /// acting as secretariat).
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func evaluate(
        _ conditions: TrancheConditions, policy: TranchePolicy, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "evaluate a tranche's conditions")
        switch state {
        case .planned(let sequence, let amount):
            let unmet = conditions.unmet(spendThresholdPercent: policy.spendThresholdPercent)
            guard unmet.isEmpty else { return .recordUnmet(unmet) }
            state = .ready(sequence: sequence, amount: amount)
            return .requestApproval(spendThresholdPercent: policy.spendThresholdPercent, previous: conditions.previous)
        case .ready, .approved, .released, .cancelled:
            throw illegalTransition("tranche", event: "evaluate", state: state.name)
        }
    }

    /// The tranche of a grant whose conditions are evaluated next: the first planned one whose predecessor is
    /// released, while the grant is awaiting signature, active or suspended; nil when there is none.
    public static func nextToEvaluate(grant: GrantMachine, tranches: [TrancheMachine]) -> Int? {
        switch grant.state {
        case .agreementPending, .active, .suspended:
            break
        case .closing, .closed, .terminated:
            return nil
        }
        var previousReleased = true
        for tranche in tranches {
            switch tranche.state {
            case .planned(let sequence, _):
                return previousReleased ? sequence : nil
            case .released:
                previousReleased = true
            case .ready, .approved, .cancelled:
                previousReleased = false
            }
        }
        return nil
    }

    /// Approves a ready tranche. Fund manager only.
    /// - Throws: `role_required`, `impersonation_not_allowed`, `invalid_transition`.
    public mutating func approve(at now: Date, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "approve a tranche")
        try actor.requireInPerson(to: "approve a tranche")
        switch state {
        case .ready(let sequence, let amount):
            let approval = Signature(userID: actor.userID, name: actor.displayName, at: now)
            state = .approved(sequence: sequence, amount: amount, approval: approval)
            return .requestRelease(approval)
        case .planned, .approved, .released, .cancelled:
            throw illegalTransition("tranche", event: "approve", state: state.name)
        }
    }

    /// Releases an approved tranche. A finance officer who is not the approver; the grant must be active;
    /// `amount` must be the tranche's. A request repeated with a key already used never reaches this event:
    /// ``IdempotencyKey/replay(requestHash:earlierHash:)`` answers it with the first result or refuses it.
    /// - Throws: `role_required`, `impersonation_not_allowed`, `same_person_release`, `grant_not_active`, `release_amount_mismatch`, `invalid_transition`.
    public mutating func release(
        amount requested: Money, idempotencyKey key: IdempotencyKey, grant: GrantMachine, at now: Date, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        try actor.require(.financeOfficer, to: "release a tranche")
        try actor.requireInPerson(to: "release a tranche")
        switch state {
        case .approved(let sequence, let amount, let approval):
            guard actor.userID != approval.userID else {
                throw WorkflowRejection(
                    code: "same_person_release",
                    message: "\(actor.displayName) approved this tranche and cannot also release it; another finance officer must release it."
                )
            }
            guard grant.allowsRelease else {
                throw WorkflowRejection(
                    code: "grant_not_active",
                    message: "The grant is \(grant.state.name.rawValue.replacingOccurrences(of: "_", with: " ")); tranches can only be released while it is active."
                )
            }
            guard requested == amount else {
                throw WorkflowRejection(
                    code: "release_amount_mismatch",
                    message: "Tranche \(sequence) is \(amount.grouped), not \(requested.grouped); release the approved amount."
                )
            }
            let release = Release(signature: Signature(userID: actor.userID, name: actor.displayName, at: now), idempotencyKey: key.text)
            state = .released(sequence: sequence, amount: amount, approval: approval, release: release)
            return .postRelease(amount: amount, release)
        case .planned, .ready, .released, .cancelled:
            throw illegalTransition("tranche", event: "release", state: state.name)
        }
    }

    /// Cancels a tranche that has not been released, because its grant ends (closed or terminated) before it is
    /// paid; an approval not yet released lapses with it. Fund manager only; reason required.
    /// - Throws: `role_required`, `reason_required`, `invalid_transition`.
    public mutating func cancel(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "cancel a tranche")
        let reason = try requireText(reason, code: "reason_required", "Give the reason for cancelling the tranche.")
        switch state {
        case .planned(let sequence, let amount), .ready(let sequence, let amount), .approved(let sequence, let amount, _):
            state = .cancelled(sequence: sequence, amount: amount, reason: reason)
            return .recordCancellation(reason: reason)
        case .released, .cancelled:
            throw illegalTransition("tranche", event: "cancel", state: state.name)
        }
    }
}
