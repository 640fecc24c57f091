import Foundation
import JobQueue

/// The kinds of the jobs RRF commands enqueue (handled by rrfd), and their payloads.
/// Each kind is tied to its payload type (``JobKind``); its name is a stable string: rename one only with a
/// migration of the pending jobs. Ids are UUIDs, which JSON holds as strings: jobs queued when they were strings
/// decode the same.
public enum JobKinds {
    /// At a reserve call's decision deadline, escalate if the proposal is still undecided; payload ``ProposalJobPayload``.
    public static let proposalDecisionSLAWatch = JobKind<ProposalJobPayload>("proposal.decision_sla_watch")
    /// Assign reviewers to a proposal that passed screening; payload ``ProposalJobPayload``.
    public static let proposalAssignReviewers = JobKind<ProposalJobPayload>("proposal.assign_reviewers")
    /// Create the grant of an approved proposal; payload ``ProposalJobPayload``.
    public static let proposalCreateGrant = JobKind<ProposalJobPayload>("proposal.create_grant")
    /// Cancel the open review assignments of a withdrawn proposal; payload ``ProposalJobPayload``.
    public static let proposalCancelReviews = JobKind<ProposalJobPayload>("proposal.cancel_reviews")
    /// Open a draft call at the time the secretariat scheduled; payload ``CallJobPayload``.
    public static let callOpen = JobKind<CallJobPayload>("call.open")
    /// Close a call at its submission deadline; payload ``CallJobPayload``.
    public static let callClose = JobKind<CallJobPayload>("call.close")
    /// Remind the secretariat before an organisation's due diligence expires; payload ``OrganisationJobPayload``.
    public static let organisationDueDiligenceReminder = JobKind<OrganisationJobPayload>("organisation.due_diligence_reminder")
}

/// Payload of the proposal jobs.
public struct ProposalJobPayload: Codable, Sendable, Equatable {
    public let proposalID: UUID
    public let reference: String
    public let round: Int

    public init(proposalID: UUID, reference: String, round: Int) {
        self.proposalID = proposalID
        self.reference = reference
        self.round = round
    }
}

/// Payload of the call jobs.
public struct CallJobPayload: Codable, Sendable, Equatable {
    public let callID: UUID
    public let code: String

    public init(callID: UUID, code: String) {
        self.callID = callID
        self.code = code
    }
}

/// Payload of the organisation jobs.
public struct OrganisationJobPayload: Codable, Sendable, Equatable {
    public let organisationID: UUID
    public let code: String

    public init(organisationID: UUID, code: String) {
        self.organisationID = organisationID
        self.code = code
    }
}

/// A notification to write to the outbox: what happened (an audit event type), about which stream, and who is
/// told — the users holding one of `roles`, limited to the users of `organisationID` when it is set, and to the one
/// user `userID` when that is set.
/// `CommandContext.notify` turns it into one outbox message per recipient with an e-mail address.
public struct NotifyPayload: Codable, Sendable, Equatable {
    public let event: String
    public let stream: String
    public let organisationID: String?
    public let roles: [String]
    public let message: String
    public let userID: String?

    public init(event: String, stream: String, organisationID: String?, roles: [String], message: String, userID: String? = nil) {
        self.event = event
        self.stream = stream
        self.organisationID = organisationID
        self.roles = roles
        self.message = message
        self.userID = userID
    }
}
