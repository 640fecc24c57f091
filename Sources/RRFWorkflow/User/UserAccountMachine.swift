import Foundation

/// What an administrator can change about a person: name, e-mail address and roles.
public struct UserProfile: Hashable, Sendable, Codable {
    /// The user.
    public let userID: UserID
    /// The full name.
    public var displayName: String
    /// The e-mail address notifications go to, if any.
    public var email: String?
    /// The roles held.
    public var roles: Set<Role>
    /// How many organisations the user belongs to (exactly one for an `ngo_user`).
    public let organisationCount: Int

    /// Creates a profile.
    public init(userID: UserID, displayName: String, email: String?, roles: Set<Role>, organisationCount: Int) {
        self.userID = userID
        self.displayName = displayName
        self.email = email
        self.roles = roles
        self.organisationCount = organisationCount
    }
}

/// A user's account: active ↔ deactivated. A deactivated user keeps their history but cannot act.
public struct UserAccountMachine: Hashable, Sendable {
    /// The states of an account.
    public enum State: Hashable, Sendable {
        /// The user can log in and act.
        case active(UserProfile)
        /// The user can no longer act, since the given instant.
        case deactivated(UserProfile, since: Date)

        /// The profile, whatever the state.
        public var profile: UserProfile {
            switch self {
            case .active(let profile), .deactivated(let profile, _): profile
            }
        }

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case active, deactivated
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .active: .active
            case .deactivated: .deactivated
            }
        }
    }

    /// What the caller must persist after an event.
    public enum Action: Hashable, Sendable {
        /// Store the new name, e-mail address and roles.
        case storeProfile(UserProfile)
        /// Store the deactivation at this instant.
        case recordDeactivation(at: Date)
        /// Store the reactivation.
        case recordReactivation
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// Refuses any command by a deactivated user (`name` as they logged in).
    /// - Throws: `user_deactivated`.
    public static func requireActive(_ name: String, deactivatedAt: Date?) throws(WorkflowRejection) {
        if let deactivatedAt {
            let day = LocalDate(deactivatedAt, utcOffsetMinutes: 0)
            throw WorkflowRejection(
                code: "user_deactivated",
                message: "The user \(name) was deactivated on \(day) and can no longer act; ask an administrator to reactivate the account (`rrfctl user reactivate \(name)`)."
            )
        }
    }

    /// Checks a new user: added by an administrator (`actor`), or — only while the fund has no user at all — by
    /// nobody, and then as an administrator; at least one role; an NGO user belongs to exactly one organisation.
    /// - Throws: `actor_missing`, `role_required`, `first_user_not_admin`, `roles_missing`, `ngo_user_needs_one_organisation`.
    public static func register(roles: Set<Role>, organisationCount: Int, isFirstUser: Bool, by actor: Actor?) throws(WorkflowRejection) {
        if let actor {
            try actor.require(.admin, to: "add users")
        } else if !isFirstUser {
            throw WorkflowRejection(code: "actor_missing", message: "Only an administrator can add users; sign in as one with `rrfctl login`.")
        } else if !roles.contains(.admin) {
            throw WorkflowRejection(code: "first_user_not_admin", message: "The first user must be an administrator; add the admin role.")
        }
        guard !roles.isEmpty else {
            throw WorkflowRejection(code: "roles_missing", message: "Give the user at least one role.")
        }
        guard !roles.contains(.ngoUser) || organisationCount == 1 else {
            throw WorkflowRejection(
                code: "ngo_user_needs_one_organisation",
                message: "An NGO user must belong to exactly one organisation; give one organisation with --organisation."
            )
        }
    }

    /// Replaces the name, e-mail address and roles. Administrator only. At least one role; an NGO user belongs to
    /// exactly one organisation; the last active administrator keeps the admin role (`otherActiveAdministrators`
    /// counts the active administrators besides this user).
    /// - Throws: `role_required`, `user_name_missing`, `roles_missing`, `ngo_user_needs_one_organisation`, `last_administrator`.
    public mutating func edit(_ profile: UserProfile, otherActiveAdministrators: Int, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.admin, to: "change users")
        var profile = profile
        profile.displayName = try requireText(profile.displayName, code: "user_name_missing", "The user's name is empty; give their full name.", field: "user's name", maximum: 200, shape: .line)
        guard !profile.roles.isEmpty else {
            throw WorkflowRejection(code: "roles_missing", message: "Give the user at least one role.")
        }
        guard !profile.roles.contains(.ngoUser) || profile.organisationCount == 1 else {
            throw WorkflowRejection(
                code: "ngo_user_needs_one_organisation",
                message: "An NGO user must belong to exactly one organisation; \(profile.displayName) belongs to \(profile.organisationCount). Choose other roles."
            )
        }
        switch state {
        case .active(let current):
            if current.roles.contains(.admin), !profile.roles.contains(.admin) {
                try Self.requireAnotherAdministrator(otherActiveAdministrators, "remove the admin role of \(current.displayName)")
            }
            state = .active(profile)
        case .deactivated(_, let since):
            state = .deactivated(profile, since: since)
        }
        return .storeProfile(profile)
    }

    /// Deactivates an active user at `now`. Administrator only, never oneself, never the last active administrator.
    /// - Throws: `role_required`, `cannot_deactivate_self`, `last_administrator`, `user_already_deactivated`.
    public mutating func deactivate(at now: Date, otherActiveAdministrators: Int, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.admin, to: "deactivate users")
        switch state {
        case .active(let profile):
            guard actor.userID != profile.userID else {
                throw WorkflowRejection(code: "cannot_deactivate_self", message: "You cannot deactivate your own account; ask another administrator.")
            }
            if profile.roles.contains(.admin) {
                try Self.requireAnotherAdministrator(otherActiveAdministrators, "deactivate \(profile.displayName)")
            }
            state = .deactivated(profile, since: now)
            return .recordDeactivation(at: now)
        case .deactivated(let profile, _):
            throw WorkflowRejection(code: "user_already_deactivated", message: "\(profile.displayName) is already deactivated; reactivate them to let them act again.")
        }
    }

    /// Reactivates a deactivated user. Administrator only.
    /// - Throws: `role_required`, `user_already_active`.
    public mutating func reactivate(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.admin, to: "reactivate users")
        switch state {
        case .deactivated(let profile, _):
            state = .active(profile)
            return .recordReactivation
        case .active(let profile):
            throw WorkflowRejection(code: "user_already_active", message: "\(profile.displayName) is active already; nothing to reactivate.")
        }
    }

    private static func requireAnotherAdministrator(_ others: Int, _ purpose: String) throws(WorkflowRejection) {
        guard others > 0 else {
            throw WorkflowRejection(
                code: "last_administrator",
                message: "You cannot \(purpose): no other active administrator would remain. Give another user the admin role first."
            )
        }
    }
}
