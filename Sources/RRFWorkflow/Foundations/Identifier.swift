import Foundation

/// A typed identifier: a UUID that cannot be mixed up with the identifier of another kind of entity.
///
/// `Entity` is a phantom type from ``IdentifierKind``; `OrganisationID` and `ProposalID` are different types.
/// Encodes as the plain UUID string.
public struct Identifier<Entity>: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The underlying UUID (the database primary key).
    public let uuid: UUID

    /// Wraps a UUID.
    public init(_ uuid: UUID) {
        self.uuid = uuid
    }

    /// Parses a UUID string; nil when the text is not a UUID.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.uuid = uuid
    }

    /// The lowercase UUID string, as PostgreSQL prints it.
    public var description: String { uuid.uuidString.lowercased() }

    /// Decodes the identifier from a UUID string.
    public init(from decoder: any Decoder) throws {
        uuid = try decoder.singleValueContainer().decode(UUID.self)
    }

    /// Encodes the identifier as a UUID string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(uuid)
    }
}

/// The phantom types that distinguish ``Identifier`` kinds. They have no values.
public enum IdentifierKind {
    /// Tags organisation identifiers.
    public enum Organisation {}
    /// Tags user identifiers.
    public enum User {}
    /// Tags call identifiers.
    public enum Call {}
    /// Tags proposal identifiers.
    public enum Proposal {}
    /// Tags grant identifiers.
    public enum Grant {}
    /// Tags tranche identifiers.
    public enum Tranche {}
    /// Tags report identifiers.
    public enum Report {}
    /// Tags peer review committee identifiers.
    public enum Committee {}
    /// Tags review identifiers.
    public enum Review {}
    /// Tags training course identifiers.
    public enum Course {}
    /// Tags training session identifiers.
    public enum TrainingSession {}
    /// Tags training certificate identifiers.
    public enum Certificate {}
}

/// Identifies a partner organisation.
public typealias OrganisationID = Identifier<IdentifierKind.Organisation>
/// Identifies a user.
public typealias UserID = Identifier<IdentifierKind.User>
/// Identifies a call (allocation).
public typealias CallID = Identifier<IdentifierKind.Call>
/// Identifies a proposal.
public typealias ProposalID = Identifier<IdentifierKind.Proposal>
/// Identifies a grant.
public typealias GrantID = Identifier<IdentifierKind.Grant>
/// Identifies a tranche of a grant.
public typealias TrancheID = Identifier<IdentifierKind.Tranche>
/// Identifies a narrative or financial report.
public typealias ReportID = Identifier<IdentifierKind.Report>
/// Identifies a peer review committee.
public typealias CommitteeID = Identifier<IdentifierKind.Committee>
/// Identifies one review (proposal, round, reviewer).
public typealias ReviewID = Identifier<IdentifierKind.Review>
/// Identifies a training course.
public typealias CourseID = Identifier<IdentifierKind.Course>
/// Identifies a training session.
public typealias TrainingSessionID = Identifier<IdentifierKind.TrainingSession>
/// Identifies a training certificate.
public typealias CertificateID = Identifier<IdentifierKind.Certificate>
