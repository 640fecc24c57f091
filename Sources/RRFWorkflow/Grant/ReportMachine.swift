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

    /// Creates a submission.
    public init(narrative: String, spent: Money, submittedBy: UserID, submittedAt: Date) {
        self.narrative = narrative
        self.spent = spent
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
    }
}

/// The lifecycle of a report: scheduled → due → submitted → accepted | returned → submitted …; accepted →
/// returned when a fund manager reopens it; scheduled/due/returned → waived when the grant ends without it;
/// overdue flag.
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
        /// No longer owed: the grant ended (terminated, or closed on its final report) before it was accepted.
        case waived(ReportSpec, reason: String)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case scheduled, due, submitted, accepted, returned, waived
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .scheduled: .scheduled
            case .due: .due
            case .submitted: .submitted
            case .accepted: .accepted
            case .returned: .returned
            case .waived: .waived
            }
        }

        /// The specification, whatever the state.
        public var spec: ReportSpec {
            switch self {
            case .scheduled(let spec), .due(let spec), .submitted(let spec, _), .accepted(let spec, _), .returned(let spec, _, _),
                 .waived(let spec, _):
                spec
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store that the report is due and remind the organisation.
        case remindOrganisation(dueDate: LocalDate)
        /// Store the submission with its spending per budget line and notify the secretariat.
        case requestReview(ReportSubmission, lines: [SpendingLineAmount])
        /// Store the acceptance of an interim report and evaluate the next tranche's conditions with `spent`.
        case evaluateNextTranche(spent: Money)
        /// Store the acceptance of the final report and close the grant with `spent`.
        case closeGrant(spent: Money)
        /// Store the return and notify the organisation.
        case notifyReturned(reason: String)
        /// Store the reopening (the report is returned with `reason`); when `reopenGrant`, the grant goes back
        /// from closing to active (``GrantMachine/reopen(by:)``). Notify the organisation.
        case notifyReopened(reason: String, reopenGrant: Bool)
        /// Store that the report is no longer owed.
        case recordWaiver(reason: String)
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
        case .submitted, .accepted, .waived: false
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
        case .due, .submitted, .accepted, .returned, .waived:
            throw illegalTransition("report", event: "mark_due", state: state.name)
        }
    }

    /// Submits (or resubmits) the report. A user of the organisation; narrative required; the spending checked
    /// against the grant (``ReportedSpending``).
    /// - Throws: `role_required`, `actor_not_in_organisation`, `required_field_missing`, `invalid_transition`.
    public mutating func submit(
        narrative: String, spending: ReportedSpending, organisationID: OrganisationID, at now: Date, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        try actor.require(.ngoUser, to: "submit a report")
        guard actor.isAffiliated(with: organisationID) else {
            throw WorkflowRejection(code: "actor_not_in_organisation", message: "\(actor.displayName) does not belong to the grant's organisation and cannot report for it.")
        }
        let narrative = try requireText(narrative, code: "required_field_missing", "The report has no narrative; describe what was done.", field: "narrative", maximum: TextLimit.narrative)
        let submission = ReportSubmission(narrative: narrative, spent: spending.total, submittedBy: actor.userID, submittedAt: now)
        switch state {
        case .due(let spec), .returned(let spec, _, _):
            state = .submitted(spec, submission)
            return .requestReview(submission, lines: spending.lines)
        case .scheduled, .submitted, .accepted, .waived:
            throw illegalTransition("report", event: "submit", state: state.name)
        }
    }

    /// Accepts a submitted report. Secretariat or fund manager. The spending may not exceed the money
    /// `released` (a final report that did could never close the grant).
    /// - Throws: `role_required`, `spending_exceeds_released`, `invalid_transition`.
    public mutating func accept(released: Money, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "accept a report")
        switch state {
        case .submitted(let spec, let submission):
            guard submission.spent.currency == released.currency, submission.spent.minorUnits <= released.minorUnits else {
                throw WorkflowRejection(
                    code: "spending_exceeds_released",
                    message: "The report states \(submission.spent.grouped) spent, more than the \(released.grouped) released; return it so the organisation corrects its figures."
                )
            }
            state = .accepted(spec, submission)
            switch spec.kind {
            case .interim: return .evaluateNextTranche(spent: submission.spent)
            case .final: return .closeGrant(spent: submission.spent)
            }
        case .scheduled, .due, .accepted, .returned, .waived:
            throw illegalTransition("report", event: "accept", state: state.name)
        }
    }

    /// Returns a submitted report for changes. Secretariat or fund manager; reason required.
    /// - Throws: `role_required`, `reason_required`, `invalid_transition`.
    public mutating func returnForChanges(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "return a report")
        let reason = try requireText(reason, code: "reason_required", "Give the reason for returning the report: say what must change.")
        switch state {
        case .submitted(let spec, let submission):
            state = .returned(spec, submission, reason: reason)
            return .notifyReturned(reason: reason)
        case .scheduled, .due, .accepted, .returned, .waived:
            throw illegalTransition("report", event: "return", state: state.name)
        }
    }

    /// Reopens an accepted report (fund manager, reason required): it goes back to the organisation as returned.
    /// A final report can be reopened while its grant is closing (the grant goes back to active); an interim
    /// report while no tranche has moved on its strength (`trancheMovedSinceAcceptance` false) and its grant
    /// still runs.
    /// - Throws: `role_required`, `reason_required`, `report_reopen_too_late`, `invalid_transition`.
    public mutating func reopen(
        reason: String, grant: GrantMachine, trancheMovedSinceAcceptance: Bool, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "reopen an accepted report")
        let reason = try requireText(reason, code: "reason_required", "Give the reason why the accepted report is reopened.")
        switch state {
        case .accepted(let spec, let submission):
            let reopenGrant: Bool
            switch (spec.kind, grant.state) {
            case (.final, .closing):
                reopenGrant = true
            case (.interim, .active), (.interim, .suspended), (.interim, .closing):
                guard !trancheMovedSinceAcceptance else {
                    throw WorkflowRejection(
                        code: "report_reopen_too_late",
                        message: "A tranche was made ready, approved or released on the strength of this report; it can no longer be reopened."
                    )
                }
                reopenGrant = false
            case (.final, .agreementPending), (.final, .active), (.final, .suspended), (.final, .closed), (.final, .terminated),
                 (.interim, .agreementPending), (.interim, .closed), (.interim, .terminated):
                throw WorkflowRejection(
                    code: "report_reopen_too_late",
                    message: "The grant is \(grant.state.name.rawValue.replacingOccurrences(of: "_", with: " ")); its accepted reports can no longer be reopened."
                )
            }
            state = .returned(spec, submission, reason: reason)
            return .notifyReopened(reason: reason, reopenGrant: reopenGrant)
        case .scheduled, .due, .submitted, .returned, .waived:
            throw illegalTransition("report", event: "reopen", state: state.name)
        }
    }

    /// Waives a report the organisation no longer owes because its grant ended (terminated, or closed on its
    /// final report). Fund manager; reason required. A submitted report stays to be reviewed.
    /// - Throws: `role_required`, `reason_required`, `invalid_transition`.
    public mutating func waive(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.fundManager, to: "waive a report")
        let reason = try requireText(reason, code: "reason_required", "Give the reason why the report is no longer owed.")
        switch state {
        case .scheduled(let spec), .due(let spec), .returned(let spec, _, _):
            state = .waived(spec, reason: reason)
            return .recordWaiver(reason: reason)
        case .submitted, .accepted, .waived:
            throw illegalTransition("report", event: "waive", state: state.name)
        }
    }
}
