/// An administrator acting for another person, explicitly: to help someone who cannot sign in, recorded in the
/// audit log as the administrator acting for them, and never counted as that person's own pair of eyes
/// (``Actor/requireInPerson(to:)``).
public enum Impersonation {
    /// The actor `person` as `admin` acts for them.
    /// - Throws: `role_required` unless `admin` is an administrator, `impersonation_not_allowed` for another
    ///   administrator or oneself.
    public static func act(for person: Actor, by admin: Actor, login: String) throws(WorkflowRejection) -> Actor {
        try admin.require(.admin, to: "act for another person")
        guard !person.has(.admin), person.userID != admin.userID else {
            throw WorkflowRejection(
                code: "impersonation_not_allowed", message: "An administrator cannot act for themselves or for another administrator."
            )
        }
        return try Actor(
            userID: person.userID, displayName: person.displayName, roles: person.roles, organisationIDs: person.organisationIDs,
            impersonatedBy: login
        )
    }
}
