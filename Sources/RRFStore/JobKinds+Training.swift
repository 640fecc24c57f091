extension JobKinds {
    /// An organisation's certificates changed (issued on a session's close, revoked, or one just lapsed): re-evaluate
    /// the training conditions of its tranches; payload ``OrganisationJobPayload``.
    public static let trainingCertificatesChanged = "training.certificates_changed"
}
