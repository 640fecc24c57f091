import Foundation

/// A training certificate held by one participant of an organisation.
public struct Certificate: Hashable, Sendable, Codable {
    /// The certificate's identifier.
    public let id: CertificateID
    /// The course passed.
    public let courseID: CourseID
    /// The participant's name.
    public let holderName: String
    /// The participant's organisation.
    public let organisationID: OrganisationID
    /// The day it was issued (the last day of the session).
    public let issuedOn: LocalDate
    /// The last day it is valid (see ``Course/lastValidDay(issuedOn:)``).
    public let validThrough: LocalDate

    /// Creates a certificate.
    public init(id: CertificateID, courseID: CourseID, holderName: String, organisationID: OrganisationID, issuedOn: LocalDate, validThrough: LocalDate) {
        self.id = id
        self.courseID = courseID
        self.holderName = holderName
        self.organisationID = organisationID
        self.issuedOn = issuedOn
        self.validThrough = validThrough
    }

    /// Whether the certificate is valid on `date` (from the issue day through the last valid day).
    public func isValid(on date: LocalDate) -> Bool {
        issuedOn <= date && date <= validThrough
    }
}

extension Certificate {
    /// A certificate is revoked once (`revokedAt` is when it was, if it was).
    /// - Throws: `certificate_already_revoked`.
    public static func requireRevocable(reference: String, revokedAt: Date?) throws(WorkflowRejection) {
        guard revokedAt == nil else {
            throw WorkflowRejection(code: "certificate_already_revoked", message: "The certificate \(reference) is already revoked.")
        }
    }
}
