import Foundation
import Postgres
import RRFWorkflow

/// One version of the fund's tranche policy (table `tranche_policies`).
public struct TranchePolicyVersion: Codable, Sendable, Equatable {
    /// 1, 2, 3 …; grants keep the version they were signed under.
    public let version: Int
    public let policy: TranchePolicy
    /// Why it was set.
    public let reason: String
    /// Who set it (nil for the fund's default).
    public let changedBy: String?
    public let changedAt: Date

    static let select = """
        SELECT p.version, p.policy::text AS policy, p.reason, u.login AS changed_by, p.changed_at
        FROM tranche_policies p LEFT JOIN users u ON u.id = p.changed_by
        """

    init(row: Row) throws {
        version = try row.decode("version")
        policy = try row.decode("policy", as: JSONValue<TranchePolicy>.self).value
        reason = try row.decode("reason")
        changedBy = try row.decode("changed_by")
        changedAt = try row.decode("changed_at")
    }
}

extension Streams {
    /// The stream of the fund's tranche policy changes.
    public static let tranchePolicy = "fund:tranche-policy"
}

extension FundStore {
    /// Replaces the fund's tranche policy with a new version (admin or fund manager, reason required). Grants
    /// signed from now on use it; grants already signed keep the version of their agreement.
    public func changeTranchePolicy(_ policy: TranchePolicy, reason: String, as login: String) throws -> TranchePolicyVersion {
        try command("tranche_policy.change", as: login) { context in
            let reason = try Validate.text(reason, field: "reason", maximum: TextLimit.reason, shape: .lines)
            try context.connection.queryPrepared("LOCK TABLE tranche_policies IN SHARE ROW EXCLUSIVE MODE")
            let current = try currentTranchePolicy(on: context.connection)
            let changed = try current.policy.change(to: policy, by: context.actor)
            let row = try context.connection.queryPrepared(
                """
                INSERT INTO tranche_policies (version, policy, reason, changed_by, changed_at) VALUES ($1, $2::jsonb, $3, $4, $5)
                RETURNING version
                """,
                [current.version + 1, JSONValue(changed), reason, context.actor.userID.uuid, context.now]
            ).single()
            let stored = try tranchePolicy(version: try row.decode("version"), on: context.connection)
            try context.audit(Streams.tranchePolicy, "tranche_policy.changed", stored)
            return stored
        }
    }

    /// The tranche policy in force.
    public func tranchePolicy() throws -> TranchePolicyVersion {
        try read("tranche_policy.show") { connection, _ in try currentTranchePolicy(on: connection) }
    }

    /// Every version of the tranche policy, newest first.
    public func tranchePolicyHistory() throws -> [TranchePolicyVersion] {
        try read("tranche_policy.history") { connection, _ in
            try connection.query(TranchePolicyVersion.select + " ORDER BY p.version DESC").rows.map(TranchePolicyVersion.init(row:))
        }
    }

    // MARK: Internals

    func currentTranchePolicy(on connection: Connection) throws -> TranchePolicyVersion {
        guard let row = try connection.queryPrepared(TranchePolicyVersion.select + " ORDER BY p.version DESC LIMIT 1").first else {
            throw StoreError.configuration("The fund has no tranche policy; run `rrfctl db migrate`.")
        }
        return try TranchePolicyVersion(row: row)
    }

    func tranchePolicy(version: Int, on connection: Connection) throws -> TranchePolicyVersion {
        guard let row = try connection.queryPrepared(TranchePolicyVersion.select + " WHERE p.version = $1", [version]).first else {
            throw StoreError.inconsistentRow("Tranche policy version \(version)", state: "missing")
        }
        return try TranchePolicyVersion(row: row)
    }

    /// The policy a grant's tranches are evaluated under: the one its agreement was signed under.
    func tranchePolicy(of grant: GrantRecord, on connection: Connection) throws -> TranchePolicy {
        if let version = grant.policyVersion { return try tranchePolicy(version: version, on: connection).policy }
        return try currentTranchePolicy(on: connection).policy
    }
}
