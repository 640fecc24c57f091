/// Who may see what: the one place the scope of every read, and of the record every change loads, is decided.
///
/// The store asks ``read(_:by:)`` for each record it loads (a change can only touch what its actor can see;
/// the role a change needs is the machine's own rule) and ``visibility(of:for:)`` for each list it queries.
/// A record outside the actor's scope is answered as not found, in the same words as a record that does not
/// exist, so references cannot be probed.
public enum AccessPolicy {
    /// How a reviewer stands to one proposal.
    public enum ReviewerStanding: Sendable, Equatable {
        /// Not assigned to review it (in the current or an earlier round).
        case notAssigned
        /// Assigned; `submitted` once their own scorecard is in.
        case assigned(submitted: Bool)
        /// Declared or found conflicted with the proposal's organisation.
        case conflicted
    }

    /// A record as far as access goes: its kind and the facts that scope it.
    public enum Record: Sendable, Equatable {
        /// The fund's public configuration: calls and envelopes, courses, training requirements, session
        /// schedule, the tranche policy.
        case fundConfiguration
        /// An organisation's own record.
        case organisation(OrganisationID)
        /// A proposal's content, its history and its review assignments.
        case proposal(OrganisationID, ReviewerStanding)
        /// A proposal not yet submitted: the organisation's own work, seen by its users only.
        case draft(OrganisationID)
        /// The scores of a proposal's other reviewers and its panel result.
        case reviewScores(OrganisationID, ReviewerStanding)
        /// A grant, its tranches, reports and history.
        case grant(OrganisationID)
        /// The ledger, its verification, the fund's KPIs and the fund-wide exports.
        case finance
        /// The ranking of a call's proposals, for deciding.
        case ranking
        /// Training sessions' attendance and course reports.
        case trainingRecords
        /// One organisation's trainees, certificates and training shortfalls.
        case organisationTraining(OrganisationID)
        /// The people of the fund: users, committees, conflict declarations.
        case people
        /// One user's own record.
        case person(UserID)
        /// The security log of refusals.
        case securityLog
    }

    /// The answer for one record.
    public enum Access: Sendable, Equatable {
        /// The actor may see it.
        case allowed
        /// Answer as if it did not exist.
        case notFound
        /// The actor knows of the record but may not see this yet (e.g. other reviewers' scores before their own).
        case refused(WorkflowRejection)
    }

    /// Which rows of a list the actor sees.
    public enum Visibility: Sendable, Equatable {
        /// Every row.
        case all
        /// Only the rows of these organisations.
        case organisations(Set<OrganisationID>)
        /// Only the proposals this reviewer is assigned to and not conflicted on.
        case assignedTo(UserID)
        /// No row.
        case none
    }

    /// A list of records that are scoped.
    public enum Listing: Sendable, Equatable {
        case proposals, drafts, grants, organisations, organisationTraining
    }

    /// Whether `actor` may see `record`.
    public static func read(_ record: Record, by actor: Actor) -> Access {
        let staff = actor.has(.secretariat) || actor.has(.fundManager)
        switch record {
        case .fundConfiguration:
            return .allowed
        case .organisation(let organisation):
            return allowed(staff || actor.has(.financeOfficer) || actor.has(.trainer) || actor.has(.admin) || actor.isAffiliated(with: organisation))
        case .proposal(let organisation, let standing):
            if staff || ngoOf(organisation, actor) { return .allowed }
            return allowed(actor.has(.reviewer) && standing.isAssigned)
        case .draft(let organisation):
            return allowed(ngoOf(organisation, actor))
        case .reviewScores(_, let standing):
            if staff { return .allowed }
            guard actor.has(.reviewer), standing.isAssigned else { return .notFound }
            return standing == .assigned(submitted: true) ? .allowed : blindReview
        case .grant(let organisation):
            return allowed(staff || actor.has(.financeOfficer) || ngoOf(organisation, actor))
        case .finance:
            return allowed(staff || actor.has(.financeOfficer))
        case .ranking:
            return allowed(staff)
        case .trainingRecords:
            return allowed(staff || actor.has(.trainer))
        case .organisationTraining(let organisation):
            return allowed(staff || actor.has(.trainer) || ngoOf(organisation, actor))
        case .people:
            return allowed(staff || actor.has(.admin))
        case .person(let user):
            return allowed(staff || actor.has(.admin) || actor.userID == user)
        case .securityLog:
            return allowed(actor.has(.admin))
        }
    }

    /// Which rows of `listing` `actor` sees.
    public static func visibility(of listing: Listing, for actor: Actor) -> Visibility {
        let staff = actor.has(.secretariat) || actor.has(.fundManager)
        let own: Visibility = actor.has(.ngoUser) ? .organisations(actor.organisationIDs) : .none
        switch listing {
        case .proposals:
            if staff { return .all }
            if actor.has(.reviewer) { return .assignedTo(actor.userID) }
            return own
        case .drafts:
            return own
        case .grants:
            return staff || actor.has(.financeOfficer) ? .all : own
        case .organisations:
            return staff || actor.has(.financeOfficer) || actor.has(.trainer) || actor.has(.admin) ? .all : own
        case .organisationTraining:
            return staff || actor.has(.trainer) ? .all : own
        }
    }

    /// Refuses unless `actor` may see `record`; `notFound` is the caller's own "not found" sentence for it.
    /// - Throws: `notFound` when out of scope, or the refusal of ``Access/refused(_:)``.
    public static func require<E: Error>(_ record: Record, by actor: Actor, notFound: @autoclosure () -> E) throws -> Void {
        switch read(record, by: actor) {
        case .allowed: return
        case .notFound: throw notFound()
        case .refused(let rejection): throw rejection
        }
    }

    private static func allowed(_ condition: Bool) -> Access { condition ? .allowed : .notFound }

    private static func ngoOf(_ organisation: OrganisationID, _ actor: Actor) -> Bool {
        actor.has(.ngoUser) && actor.isAffiliated(with: organisation)
    }

    private static let blindReview = Access.refused(WorkflowRejection(
        code: "blind_review",
        message: "Reviews are blind: the other reviewers' scores and the panel's result show once your own scorecard is submitted."
    ))
}

extension AccessPolicy.ReviewerStanding {
    /// Assigned, submitted or not (a conflicted reviewer is not).
    var isAssigned: Bool {
        switch self {
        case .assigned: true
        case .notAssigned, .conflicted: false
        }
    }
}

extension AccessPolicy {
    /// What PostgreSQL's row-level security confines a person's statements to.
    public enum DatabaseScope: Sendable, Equatable {
        /// The whole fund.
        case fund
        /// One organisation's rows only.
        case organisation(OrganisationID)
    }

    /// An NGO user who holds no other role is confined to their organisation; everyone else to the fund,
    /// whose rows the policy above still filters record by record.
    public static func databaseScope(for actor: Actor) -> DatabaseScope {
        guard actor.roles == [.ngoUser], let organisation = actor.organisationIDs.first, actor.organisationIDs.count == 1 else { return .fund }
        return .organisation(organisation)
    }
}
