import Foundation

/// Who manages sign-ins and credentials beyond their own, and how long a one-time link lives.
public enum TokenRules {
    /// How long an invitation or password-reset link stays valid: 72 hours.
    public static let linkValidity: TimeInterval = 72 * 3600

    /// Whether `actor` may list and revoke other people's tokens: administrators.
    public static func canManageOthers(_ actor: Actor) -> Bool { actor.has(.admin) }

    /// Refuses unless `actor` may invite people, unlock accounts and manage others' sign-ins.
    /// - Throws: `role_required`.
    public static func requireManager(_ actor: Actor, to purpose: String) throws(WorkflowRejection) {
        try actor.require(.admin, to: purpose)
    }

    /// Refuses a one-time link that was used or has expired.
    /// - Throws: `link_used`, `link_expired`.
    public static func checkLink(usedAt: Date?, expiresAt: Date, at now: Date) throws(WorkflowRejection) {
        guard usedAt == nil else {
            throw WorkflowRejection(code: "link_used", message: "This link was already used; ask an administrator for a new invitation, or ask for a password reset.")
        }
        guard expiresAt > now else {
            throw WorkflowRejection(code: "link_expired", message: "This link expired after 72 hours; ask an administrator for a new invitation, or ask for a password reset again.")
        }
    }
}
