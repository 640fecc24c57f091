/// Who writes a proposal draft: a user of the organisation it is for, as for submitting it.
public enum DraftAuthoring {
    /// Refuses unless `actor` is an NGO user of `organisation`.
    /// - Throws: `role_required`, `actor_not_in_organisation`.
    public static func requireAuthor(_ actor: Actor, of organisation: OrganisationID) throws(WorkflowRejection) {
        try actor.require(.ngoUser, to: "write a proposal draft")
        guard actor.isAffiliated(with: organisation) else {
            throw WorkflowRejection(
                code: "actor_not_in_organisation",
                message: "\(actor.displayName) does not belong to the draft's organisation; only its own users can write its proposals."
            )
        }
    }
}
