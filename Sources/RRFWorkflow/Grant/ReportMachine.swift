import Foundation

/// What the organisation submitted for a report.
public struct ReportSubmission: Hashable, Sendable, Codable {
    /// The narrative part.
    public let narrative: String
    /// The money spent up to the end of the period (cumulative), from the financial part.
    public let spent: Money
    /// Who submitted.
    public let submittedBy: UserID
    /// When.
    public let submittedAt: Date
}

/// The lifecycle of a report: scheduled → due → submitted → accepted | returned → submitted …; overdue flag.
public struct ReportMachine: Hashable, Sendable {
    /// The states of a report.
    public enum State: Hashable, Sendable, Codable {
        /// Its period has not ended.
        case scheduled(ReportSpec)
        /// Its period has ended; waiting for the organisation.
        case due(ReportSpec)
        /// Waiting for review by the fund.
        case submitted(ReportSpec, ReportSubmission)
        /// Accepted by the fund.
        case accepted(ReportSpec, ReportSubmission)
        /// Sent back to the organisation with a reason.
        case returned(ReportSpec, ReportSubmission, reason: String)

        /// The status stored in the database.
        public var name: String {
            switch self {
            case .scheduled: "scheduled"
            case .due: "due"
            case .submitted: "submitted"
            case .accepted: "accepted"
            case .returned: "returned"
            }
        }

        /// The specification, whatever the state.
        public var spec: ReportSpec {
            switch self {
            case .scheduled(let spec), .due(let spec), .submitted(let spec, _), .accepted(let spec, _), .returned(let spec, _, _): spec
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store that the report is due and remind the organisation.
        case remindOrganisation(dueDate: LocalDate)
        /// Store the submission and notify the secretariat.
        case requestReview(ReportSubmission)
        /// Store the acceptance of an interim report and evaluate the next tranche's conditions with `spent`.
        case evaluateNextTranche(spent: Money)
        /// Store the acceptance of the final report and close the grant with `spent`.
        case closeGrant(spent: Money)
        /// Store the return and notify the organisation.
        case notifyReturned(reason: String)
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// Whether the report is late on `today`: not yet submitted (or returned) and past its due date.
    public func isOverdue(on today: LocalDate) -> Bool {
        switch state {
        case .scheduled(let spec), .due(let spec), .returned(let spec, _, _): today > spec.dueDate
        case .submitted, .accepted: false
        }
    }

    /// Makes the report due once its period has ended. Secretariat (or the daemon acting as it).
    /// - Throws: `role_required`, `report_period_not_ended`, `invalid_transition`.
    public mutating func markDue(on today: LocalDate, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "mark a report due")
        switch state {
        case .scheduled(let spec):
            guard today > spec.periodEnd else {
                throw WorkflowRejection(code: "report_period_not_ended", message: "The report period ends on \(spec.periodEnd); the report becomes due the day after.")
            }
            state = .due(spec)
            return .remindOrganisation(dueDate: spec.dueDate)
        case .due, .submitted, .accepted, .returned:
            throw illegalTransition("report", event: "mark_due", state: state.name)
        }
    }

    /// Submits (or resubmits) the report. A user of the organisation; narrative required; spending not negative.
    /// - Throws: `role_required`, `actor_not_in_organisation`, `required_field_missing`, `amount_negative`, `invalid_transition`.
    public mutating func submit(
        narrative: String, spent: Money, organisationID: OrganisationID, at now: Date, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        try actor.require(.ngoUser, to: "submit a report")
        guard actor.isAffiliated(with: organisationID) else {
            throw WorkflowRejection(code: "actor_not_in_organisation", message: "\(actor.displayName) does not belong to the grant's organisation and cannot report for it.")
        }
        let narrative = try requireText(narrative, code: "required_field_missing", "The report has no narrative; describe what was done.")
        guard spent.minorUnits >= 0 else {
            throw WorkflowRejection(code: "amount_negative", message: "The amount spent cannot be negative; enter the money spent so far.")
        }
        let submission = ReportSubmission(narrative: narrative, spent: spent, submittedBy: actor.userID, submittedAt: now)
        switch state {
        case .due(let spec), .returned(let spec, _, _):
            state = .submitted(spec, submission)
            return .requestReview(submission)
        case .scheduled, .submitted, .accepted:
            throw illegalTransition("report", event: "submit", state: state.name)
        }
    }

    /// Accepts a submitted report. Secretariat or fund manager.
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func accept(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "accept a report")
        switch state {
        case .submitted(let spec, let submission):
            state = .accepted(spec, submission)
            switch spec.kind {
            case .interim: return .evaluateNextTranche(spent: submission.spent)
            case .final: return .closeGrant(spent: submission.spent)
            }
        case .scheduled, .due, .accepted, .returned:
            throw illegalTransition("report", event: "accept", state: state.name)
        }
    }

    /// Returns a submitted report for changes. Secretariat or fund manager; reason required.
    /// - Throws: `role_required`, `reason_required`, `invalid_transition`.
    public mutating func returnForChanges(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "return a report")
        let reason = try requireText(reason, code: "reason_required", "Say what must change in the report.")
        switch state {
        case .submitted(let spec, let submission):
            state = .returned(spec, submission, reason: reason)
            return .notifyReturned(reason: reason)
        case .scheduled, .due, .accepted, .returned:
            throw illegalTransition("report", event: "return", state: state.name)
        }
    }
}
