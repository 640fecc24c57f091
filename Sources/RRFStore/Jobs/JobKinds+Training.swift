import JobQueue

extension JobKinds {
    /// An organisation's training standing changed (certificates issued on a session's close, revoked, or one just
    /// lapsed; or a new risk rating, which changes the tranche requirements that apply): re-evaluate the training
    /// conditions of its tranches; payload ``OrganisationJobPayload``.
    public static let trainingCertificatesChanged = JobKind<OrganisationJobPayload>("training.certificates_changed")
}
