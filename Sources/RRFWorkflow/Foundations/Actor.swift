/// The person performing a command: who, with which roles, affiliated with which organisations.
public struct Actor: Hashable, Sendable, Codable {
    /// The user's identifier.
    public let userID: UserID
    /// The name shown in audit trails and messages.
    public let displayName: String
    /// The roles the user holds.
    public let roles: Set<Role>
    /// The organisations the user belongs to (exactly one for an `ngo_user`).
    public let organisationIDs: Set<OrganisationID>
    /// The login of the administrator acting for this person (an explicit impersonation), or nil when the
    /// person acts themselves. An impersonated action never counts as a person's own pair of eyes.
    public let impersonatedBy: String?

    /// Creates an actor.
    /// - Throws: `ngo_user_needs_one_organisation` when an `ngo_user` is not bound to exactly one organisation.
    public init(
        userID: UserID, displayName: String, roles: Set<Role>, organisationIDs: Set<OrganisationID> = [], impersonatedBy: String? = nil
    ) throws(WorkflowRejection) {
        guard !roles.contains(.ngoUser) || organisationIDs.count == 1 else {
            throw WorkflowRejection(
                code: "ngo_user_needs_one_organisation",
                message: "\(displayName) is an NGO user and must belong to exactly one organisation; link the user to their organisation."
            )
        }
        self.userID = userID
        self.displayName = displayName
        self.roles = roles
        self.organisationIDs = organisationIDs
        self.impersonatedBy = impersonatedBy
    }

    /// An actor built from values known to be consistent (used for the sample facts of the machine descriptions).
    init(consistentUserID userID: UserID, displayName: String, roles: Set<Role>, organisationIDs: Set<OrganisationID>) {
        self.userID = userID
        self.displayName = displayName
        self.roles = roles
        self.organisationIDs = organisationIDs
        impersonatedBy = nil
    }

    private enum CodingKeys: String, CodingKey {
        case userID, displayName, roles, organisationIDs, impersonatedBy
    }

    /// Decodes an actor, applying the same checks as ``init(userID:displayName:roles:organisationIDs:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            userID: container.decode(UserID.self, forKey: .userID),
            displayName: container.decode(String.self, forKey: .displayName),
            roles: container.decode(Set<Role>.self, forKey: .roles),
            organisationIDs: container.decode(Set<OrganisationID>.self, forKey: .organisationIDs),
            impersonatedBy: container.decodeIfPresent(String.self, forKey: .impersonatedBy)
        )
    }

    /// Whether the actor holds `role`.
    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// Whether the actor belongs to `organisation`.
    public func isAffiliated(with organisation: OrganisationID) -> Bool { organisationIDs.contains(organisation) }

    /// Refuses unless the actor holds at least one of `allowed`.
    ///
    /// `purpose` completes the sentence, e.g. `require(.fundManager, to: "approve a proposal")` refuses with
    /// "Only a fund manager can approve a proposal."
    /// - Throws: `role_required`.
    public func require(_ allowed: Role..., to purpose: String) throws(WorkflowRejection) {
        guard allowed.contains(where: has) else {
            let names = allowed.map(\.withArticle)
            let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1] : names.joined()
            throw WorkflowRejection(code: "role_required", message: "Only \(list) can \(purpose).")
        }
    }

    /// Refuses an impersonated actor: a step of four-eyes control (approving, releasing) needs the person
    /// themselves, so that an administrator acting for two people never stands for both pairs of eyes.
    /// - Throws: `impersonation_not_allowed`.
    public func requireInPerson(to purpose: String) throws(WorkflowRejection) {
        guard let impersonatedBy else { return }
        throw WorkflowRejection(
            code: "impersonation_not_allowed",
            message: "\(impersonatedBy) is acting for \(displayName) and cannot \(purpose) for them; \(displayName) must sign in and do it."
        )
    }

    /// Refuses when the actor belongs to `organisation` (a person never decides on their own organisation).
    /// - Throws: `conflict_of_interest`.
    public func requireIndependence(from organisation: OrganisationID, to purpose: String) throws(WorkflowRejection) {
        guard !isAffiliated(with: organisation) else {
            throw WorkflowRejection(
                code: "conflict_of_interest",
                message: "\(displayName) belongs to the proposal's organisation and cannot \(purpose); another person must do it."
            )
        }
    }
}
