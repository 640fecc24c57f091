/// The fields of a user to change; `nil` keeps the current value (`rrfctl user edit`).
public struct UserChanges: Sendable, Equatable {
    /// A new full name.
    public var displayName: String?
    /// A new e-mail address.
    public var email: String?
    /// New roles, replacing all of them.
    public var roles: Set<Role>?

    public init(displayName: String? = nil, email: String? = nil, roles: Set<Role>? = nil) {
        self.displayName = displayName
        self.email = email
        self.roles = roles
    }

    /// `profile` (of the user `login`) with these changes, each checked.
    /// - Throws: `user_changes_missing` when nothing would change, or a ``Validate/text(_:field:maximum:)`` refusal.
    public func applied(to profile: UserProfile, of login: String) throws(WorkflowRejection) -> UserProfile {
        guard self != UserChanges() else {
            throw WorkflowRejection(code: "user_changes_missing", message: "Nothing to change for \(login); give --name, --email or --role.")
        }
        var profile = profile
        if let displayName { profile.displayName = try Validate.text(displayName, field: "user's name", maximum: 200) }
        if let email { profile.email = try Validate.text(email, field: "e-mail address", maximum: 254) }
        if let roles { profile.roles = roles }
        return profile
    }
}
