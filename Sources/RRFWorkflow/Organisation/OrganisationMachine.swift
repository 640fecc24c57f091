/// The lifecycle of a partner organisation: registered → assessed → reassessed …; → ineligible(until);
/// suspended ↔ assessed.
public struct OrganisationMachine: Hashable, Sendable {
    /// The states of an organisation; the data is what the store persists.
    public enum State: Hashable, Sendable, Codable {
        /// Known to the fund, not yet assessed.
        case registered
        /// Assessed once.
        case assessed(Assessment)
        /// Assessed again after a previous assessment.
        case reassessed(Assessment)
        /// Excluded until a date (inclusive), for a reason; needs a new assessment afterwards.
        case ineligible(until: LocalDate, reason: String)
        /// Temporarily barred, keeping its assessment for reinstatement.
        case suspended(Assessment, reason: String)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case registered, assessed, reassessed, ineligible, suspended
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .registered: .registered
            case .assessed: .assessed
            case .reassessed: .reassessed
            case .ineligible: .ineligible
            case .suspended: .suspended
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store the assessment (and enqueue the due diligence expiry reminder).
        case recordAssessment(Assessment)
        /// Store the ineligibility; open proposals of the organisation should be reviewed by the secretariat.
        case recordIneligibility(until: LocalDate, reason: String)
        /// Store the suspension and its reason.
        case recordSuspension(reason: String)
        /// Store the reinstatement with the kept assessment.
        case recordReinstatement(Assessment)
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// The assessment in force, if any (kept while suspended).
    public var assessment: Assessment? {
        switch state {
        case .assessed(let assessment), .reassessed(let assessment), .suspended(let assessment, _): assessment
        case .registered, .ineligible: nil
        }
    }

    /// Records a (new) assessment. Allowed when registered, assessed, or ineligible after the end date.
    /// Secretariat only; the expiry must be after the assessment day.
    /// - Throws: `role_required`, `due_diligence_expiry_invalid`, `organisation_still_ineligible`, `invalid_transition`.
    public mutating func assess(risk: RiskRating, dueDiligenceExpiry: LocalDate, on today: LocalDate, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "assess an organisation")
        guard dueDiligenceExpiry > today else {
            throw WorkflowRejection(
                code: "due_diligence_expiry_invalid",
                message: "The due diligence expiry \(dueDiligenceExpiry) must be after the assessment day \(today); enter a future expiry date."
            )
        }
        let assessment = Assessment(risk: risk, assessedOn: today, dueDiligenceExpiry: dueDiligenceExpiry)
        switch state {
        case .registered:
            state = .assessed(assessment)
        case .assessed, .reassessed:
            state = .reassessed(assessment)
        case .ineligible(let until, _):
            guard today > until else {
                throw WorkflowRejection(
                    code: "organisation_still_ineligible",
                    message: "The organisation is ineligible until \(until); it can be assessed again from the day after."
                )
            }
            state = .reassessed(assessment)
        case .suspended:
            throw illegalTransition("organisation", event: "assess", state: state.name)
        }
        return .recordAssessment(assessment)
    }

    /// Declares the organisation ineligible until a date (inclusive). Secretariat or fund manager; reason required.
    /// - Throws: `role_required`, `reason_required`, `ineligible_until_invalid`, `invalid_transition`.
    public mutating func declareIneligible(until: LocalDate, reason: String, on today: LocalDate, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "declare an organisation ineligible")
        let reason = try requireText(reason, code: "reason_required", "Give the reason why the organisation is ineligible.")
        guard until >= today else {
            throw WorkflowRejection(code: "ineligible_until_invalid", message: "The ineligibility end date \(until) is in the past; give today or a later date.")
        }
        switch state {
        case .registered, .assessed, .reassessed, .suspended:
            state = .ineligible(until: until, reason: reason)
            return .recordIneligibility(until: until, reason: reason)
        case .ineligible:
            throw illegalTransition("organisation", event: "declare_ineligible", state: state.name)
        }
    }

    /// Suspends an assessed organisation. Secretariat or fund manager; reason required.
    /// - Throws: `role_required`, `reason_required`, `invalid_transition`.
    public mutating func suspend(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "suspend an organisation")
        let reason = try requireText(reason, code: "reason_required", "Give the reason for the suspension.")
        switch state {
        case .assessed(let assessment), .reassessed(let assessment):
            state = .suspended(assessment, reason: reason)
            return .recordSuspension(reason: reason)
        case .registered, .ineligible, .suspended:
            throw illegalTransition("organisation", event: "suspend", state: state.name)
        }
    }

    /// Lifts a suspension, back to assessed with the kept assessment. Secretariat or fund manager.
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func reinstate(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, .fundManager, to: "reinstate an organisation")
        switch state {
        case .suspended(let assessment, _):
            state = .assessed(assessment)
            return .recordReinstatement(assessment)
        case .registered, .assessed, .reassessed, .ineligible:
            throw illegalTransition("organisation", event: "reinstate", state: state.name)
        }
    }

    /// Refuses, with the reason, unless the organisation may submit proposals on `date`: it must be assessed
    /// (or reassessed) with due diligence valid through that day.
    /// - Throws: `organisation_not_assessed`, `organisation_ineligible`, `organisation_suspended`, `due_diligence_expired`.
    public func requireEligibleToSubmit(on date: LocalDate) throws(WorkflowRejection) {
        switch state {
        case .registered:
            throw WorkflowRejection(
                code: "organisation_not_assessed",
                message: "The organisation has not been assessed yet; the secretariat must complete its due diligence before it can submit."
            )
        case .ineligible(let until, let reason):
            throw WorkflowRejection(
                code: "organisation_ineligible",
                message: "The organisation is ineligible until \(until) (\(reason)); it cannot submit proposals before a new assessment."
            )
        case .suspended(_, let reason):
            throw WorkflowRejection(
                code: "organisation_suspended",
                message: "The organisation is suspended (\(reason)); it cannot submit proposals until the fund reinstates it."
            )
        case .assessed(let assessment), .reassessed(let assessment):
            guard assessment.isValid(on: date) else {
                throw WorkflowRejection(
                    code: "due_diligence_expired",
                    message: "The organisation's due diligence expired on \(assessment.dueDiligenceExpiry); it must be reassessed before it can submit."
                )
            }
        }
    }

    /// Whether the organisation may submit on `date` (see ``requireEligibleToSubmit(on:)`` for the reason).
    public func canSubmit(on date: LocalDate) -> Bool {
        (try? requireEligibleToSubmit(on: date)) != nil
    }
}
