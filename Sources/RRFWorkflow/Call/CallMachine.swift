import Foundation

/// The lifecycle of a call (allocation): draft → open → closed → decided → archived.
public struct CallMachine: Hashable, Sendable {
    /// The states of a call, each with its configuration.
    public enum State: Hashable, Sendable, Codable {
        /// Being prepared; the configuration may still change.
        case draft(CallConfiguration)
        /// Accepting proposals until the submission deadline.
        case open(CallConfiguration)
        /// No longer accepting proposals; review and decisions are under way.
        case closed(CallConfiguration)
        /// Every proposal has been decided.
        case decided(CallConfiguration)
        /// Kept for the record only.
        case archived(CallConfiguration)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case draft, open, closed, decided, archived
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .draft: .draft
            case .open: .open
            case .closed: .closed
            case .decided: .decided
            case .archived: .archived
            }
        }

        /// The configuration, whatever the state.
        public var configuration: CallConfiguration {
            switch self {
            case .draft(let configuration), .open(let configuration), .closed(let configuration),
                 .decided(let configuration), .archived(let configuration):
                configuration
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store the new configuration.
        case storeConfiguration(CallConfiguration)
        /// Store the opening; schedule the closing job at the submission deadline.
        case scheduleClosing(at: Date)
        /// Store the closing; `early` when closed before the submission deadline.
        case recordClosing(early: Bool)
        /// Delete the draft call and everything that belongs to it (it never opened: nothing refers to it yet).
        case deleteDraft
        /// Store that every proposal is decided.
        case recordDecided
        /// Store the archiving.
        case recordArchived
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// Replaces the configuration of a draft call after checking it as the opening does (see
    /// ``CallConfiguration/validate(at:calendar:)``), so that a call that cannot open is refused when it is written. Secretariat only.
    /// - Throws: `role_required`, `invalid_transition`, or a refusal of ``CallConfiguration/validate(at:calendar:)``.
    public mutating func configure(
        _ configuration: CallConfiguration, at now: Date, calendar: BusinessCalendar, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "configure a call")
        switch state {
        case .draft:
            try configuration.validate(at: now, calendar: calendar)
            state = .draft(configuration)
            return .storeConfiguration(configuration)
        case .open, .closed, .decided, .archived:
            throw illegalTransition("call", event: "configure", state: state.name)
        }
    }

    /// Opens a draft call after checking its configuration. Secretariat only.
    /// - Throws: `role_required`, `invalid_transition`, or a refusal of ``CallConfiguration/validate(at:calendar:)``.
    public mutating func open(at now: Date, calendar: BusinessCalendar, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "open a call")
        switch state {
        case .draft(let configuration):
            try configuration.validate(at: now, calendar: calendar)
            state = .open(configuration)
            return .scheduleClosing(at: configuration.submissionDeadline)
        case .open, .closed, .decided, .archived:
            throw illegalTransition("call", event: "open", state: state.name)
        }
    }

    /// Closes an open call (the daemon does it at the deadline; the secretariat may close early).
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func close(at now: Date, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "close a call")
        switch state {
        case .open(let configuration):
            state = .closed(configuration)
            return .recordClosing(early: now < configuration.submissionDeadline)
        case .draft, .closed, .decided, .archived:
            throw illegalTransition("call", event: "close", state: state.name)
        }
    }

    /// Deletes a draft call (one that never opened). Secretariat only; the machine stays as it was, the record goes.
    /// - Throws: `role_required`, `invalid_transition` (an open or later call stays on the record: close or archive it).
    public func delete(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "delete a call")
        switch state {
        case .draft:
            return .deleteDraft
        case .open, .closed, .decided, .archived:
            throw WorkflowRejection(
                code: "invalid_transition",
                message: "The call is \(state.name); only a draft call can be deleted. Close it, or archive it once decided."
            )
        }
    }

    /// Whether a proposal in `state` still awaits the fund's decision. Approved, rejected, ineligible and withdrawn
    /// proposals are settled; a draft of a call that has closed can no longer be submitted, so it awaits nothing.
    public static func awaitsDecision(_ state: ProposalMachine.State) -> Bool {
        switch state {
        case .submitted, .inReview, .scored, .revisionRequested, .resubmitted: true
        case .draft, .approved, .rejected, .ineligible, .withdrawn: false
        }
    }

    /// Marks a closed call decided once none of its proposals (their states by reference) awaits a decision
    /// (see ``awaitsDecision(_:)``). Fund manager only.
    /// - Throws: `role_required`, `proposals_undecided` (naming them), `invalid_transition`.
    public mutating func markDecided(proposals: [String: ProposalMachine.State], by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "mark a call as decided")
        switch state {
        case .closed(let configuration):
            let waiting = proposals.filter { Self.awaitsDecision($0.value) }.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.name))" }
            guard waiting.isEmpty else {
                throw WorkflowRejection(
                    code: "proposals_undecided",
                    message: "\(waiting.count) proposal(s) of the call still await a decision: \(waiting.joined(separator: ", ")); "
                        + "decide or withdraw them first, then mark the call decided."
                )
            }
            state = .decided(configuration)
            return .recordDecided
        case .draft, .open, .decided, .archived:
            throw illegalTransition("call", event: "mark_decided", state: state.name)
        }
    }

    /// Checks that a draft call can be scheduled to open at `time` (before its submission deadline). Secretariat.
    /// - Throws: `role_required`, `call_not_draft`, `opening_after_deadline`.
    public func scheduleOpening(at time: Date, code: String, by actor: Actor) throws(WorkflowRejection) {
        try actor.require(.secretariat, to: "schedule the opening of a call")
        switch state {
        case .draft(let configuration):
            guard time < configuration.submissionDeadline else {
                throw WorkflowRejection(
                    code: "opening_after_deadline", message: "Call \(code) would open after its submission deadline; choose an earlier opening time."
                )
            }
        case .open, .closed, .decided, .archived:
            throw WorkflowRejection(code: "call_not_draft", message: "Call \(code) is \(state.name); only a draft call can be scheduled to open.")
        }
    }

    /// A call's scorecard changes only before any of its proposals was reviewed, and not once the call is decided.
    /// - Throws: `invalid_transition`, `scorecard_fixed`.
    public func requireScorecardChangeable(code: String, reviews: Int) throws(WorkflowRejection) {
        switch state {
        case .draft, .open, .closed:
            guard reviews == 0 else {
                throw WorkflowRejection(
                    code: "scorecard_fixed",
                    message: "The scorecard of \(code) is fixed: \(reviews) review(s) of its proposals exist; it must stay the same for every reviewer."
                )
            }
        case .decided, .archived:
            throw WorkflowRejection(code: "invalid_transition", message: "The call \(code) is \(state.name); its scorecard can no longer change.")
        }
    }

    /// Training requirements of a call change only while it is a draft or open.
    /// - Throws: `call_not_editable`.
    public func requireTrainingRequirementsChangeable(code: String) throws(WorkflowRejection) {
        switch state {
        case .draft, .open:
            break
        case .closed, .decided, .archived:
            throw WorkflowRejection(
                code: "call_not_editable", message: "The call \(code) is \(state.name); training requirements can change only while it is draft or open."
            )
        }
    }

    /// Archives a decided call. Secretariat or administrator.
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func archive(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .admin, to: "archive a call")
        switch state {
        case .decided(let configuration):
            state = .archived(configuration)
            return .recordArchived
        case .draft, .open, .closed, .archived:
            throw illegalTransition("call", event: "archive", state: state.name)
        }
    }
}
