import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// A tranche as stored (table `tranches`).
public struct TrancheRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let grant: String
    public let sequence: Int
    public let amount: Money
    /// The stored state (JSON key `state`).
    public let stateName: TrancheMachine.State.Name
    /// The unmet conditions at the last evaluation, as sentences.
    public let unmet: [String]
    public let approvedBy: String?
    public let approvedAt: Date?
    public let releasedBy: String?
    public let releasedAt: Date?
    public let cancelReason: String?
    public let version: Int
    let approval: TrancheMachine.Signature?
    let release: TrancheMachine.Release?
    /// The ledger transaction that paid it (not part of its JSON).
    var ledgerTransactionID: Int64?

    /// planned | ready | approved | released | cancelled
    public var state: String { stateName.rawValue }

    /// The tranche's state machine rebuilt from the record.
    /// - Throws: `inconsistent_row` when the stored state is unknown or lacks what it needs.
    public var machine: TrancheMachine {
        get throws(StoreError) {
            let state: TrancheMachine.State
            switch (stateName, approval, release, cancelReason) {
            case (.planned, nil, nil, nil): state = .planned(sequence: sequence, amount: amount)
            case (.ready, nil, nil, nil): state = .ready(sequence: sequence, amount: amount)
            case (.approved, let approval?, nil, nil): state = .approved(sequence: sequence, amount: amount, approval: approval)
            case (.released, let approval?, let release?, nil):
                state = .released(sequence: sequence, amount: amount, approval: approval, release: release)
            case (.cancelled, _, nil, let reason?): state = .cancelled(sequence: sequence, amount: amount, reason: reason)
            default: throw StoreError.inconsistentRow("Tranche \(sequence) of \(grant)", state: stateName.rawValue)
            }
            return TrancheMachine(state: state)
        }
    }

    static let select = """
        SELECT t.id, g.reference AS grant, t.sequence, t.amount_minor, t.currency, t.state, t.unmet::text AS unmet,
               a.login AS approved_by, t.approved_at, r.login AS released_by, t.released_at, t.cancel_reason, t.version,
               t.approval::text AS approval, t.release::text AS release, t.ledger_transaction_id
        FROM tranches t JOIN grants g ON g.id = t.grant_id
        LEFT JOIN users a ON a.id = t.approved_by LEFT JOIN users r ON r.id = t.released_by
        """

    init(row: Row) throws {
        id = try row.decode("id")
        grant = try row.decode("grant")
        sequence = try row.decode("sequence")
        amount = Money(minorUnits: try row.decode("amount_minor"), currency: try Currency.stored(try row.decode("currency")))
        stateName = try .stored(in: row, of: "Tranche \(sequence) of \(grant)")
        unmet = try row.decode("unmet", as: JSONValue<[String]>.self).value
        approvedBy = try row.decode("approved_by")
        approvedAt = try row.decode("approved_at")
        releasedBy = try row.decode("released_by")
        releasedAt = try row.decode("released_at")
        cancelReason = try row.decode("cancel_reason")
        version = try row.decode("version")
        approval = try row.decode("approval", as: JSONValue<TrancheMachine.Signature>?.self)?.value
        release = try row.decode("release", as: JSONValue<TrancheMachine.Release>?.self)?.value
        ledgerTransactionID = try row.decode("ledger_transaction_id")
    }

    enum CodingKeys: String, CodingKey {
        case id, grant, sequence, amount, stateName = "state", unmet, approvedBy, approvedAt, releasedBy, releasedAt, cancelReason, version
        case approval, release
    }
}

/// Payload of the `tranche.ready` audit event: the tranche and the policy it was judged under.
struct TrancheReadyEvent: Encodable {
    let tranche: TrancheRecord
    let policyVersion: Int?
    let spendThresholdPercent: Int
    let received: Money?
    let spent: Money?
}

/// The answer to a release: the first result for its idempotency key.
public struct TrancheRelease: Codable, Sendable, Equatable {

    public let grant: String
    public let sequence: Int
    public let amount: Money
    public let releasedBy: String
    public let releasedAt: Date
    public let idempotencyKey: String
    /// The ledger transaction `committed:<REF>` → `released:<REF>`.
    public let ledgerTransactionID: Int64
    /// True when this answer repeats an earlier release with the same key and payload (nothing was written).
    public var replayed: Bool
}

extension TrancheRelease {
    /// The answer for the released tranche `record`.
    init(released record: TrancheRecord) throws {
        guard let releasedBy = record.releasedBy, let releasedAt = record.releasedAt, let release = record.release,
              let transactionID = record.ledgerTransactionID else {
            throw StoreError.inconsistentRow("Tranche \(record.sequence) of \(record.grant)", state: record.state)
        }
        self.init(
            grant: record.grant, sequence: record.sequence, amount: record.amount, releasedBy: releasedBy, releasedAt: releasedAt,
            idempotencyKey: release.idempotencyKey, ledgerTransactionID: transactionID, replayed: false
        )
    }
}

extension FundStore {
    /// Evaluates the conditions of the grant's next tranche (``TrancheMachine/nextToEvaluate(grant:tranches:)``)
    /// under the tranche policy its agreement was signed under (``TrancheMachine/evaluate(_:policy:by:)``):
    /// agreement signed; for tranches after the first, a financial report accepted after the previous release with
    /// at least the policy's share of the money received spent; no training shortfall. When all hold the tranche
    /// becomes ready (audited with the policy version and threshold applied); otherwise the unmet conditions are
    /// stored on it. Secretariat or fund manager (the daemon's `grant.evaluate_tranches` job runs as its service
    /// user). Returns the grant's tranches. Training shortfalls are read from the training records in the same
    /// transaction unless `trainingShortfalls` is given (tests that isolate the other conditions).
    @discardableResult
    public func evaluateTranches(
        _ reference: String, trainingShortfalls given: [TrainingShortfall]? = nil, as login: String
    ) throws -> [TrancheRecord] {
        try grantsCommand("tranche.evaluate", as: login) { context in
            try context.actor.require(.secretariat, .fundManager, to: "evaluate tranche conditions")
            let grant = try loadGrant(reference, lock: .update, for: context.viewer, on: context.connection)
            let tranches = try loadTranches(grant, lock: .update, on: context.connection)
            guard let sequence = TrancheMachine.nextToEvaluate(grant: try grant.machine, tranches: try tranches.map { try $0.machine }),
                  let next = tranches.first(where: { $0.sequence == sequence })
            else { return tranches }
            let policy = try tranchePolicy(of: grant, on: context.connection)
            let previous = try previousTrancheReport(grant, before: next, in: tranches, on: context.connection)
            let shortfalls = try given
                ?? trainingShortfalls(organisationID: OrganisationID(grant.organisationID), on: context.today, connection: context.connection)
            let conditions = TrancheConditions(agreementSigned: grant.signedOn != nil, previous: previous, trainingShortfalls: shortfalls)
            var machine = try next.machine
            let action = try machine.evaluate(conditions, policy: policy, by: context.actor)
            try TrancheExecutor(store: self, grant: grant, loaded: next, context: context).perform(action, machine: machine)
            return try loadTranches(grant, lock: .unlocked, on: context.connection)
        }
    }

    /// Approves a ready tranche (fund manager).
    public func approveTranche(_ reference: String, sequence: Int, expectedVersion: Int? = nil, as login: String) throws -> TrancheRecord {
        try grantsCommand("tranche.approve", as: login) { context in
            let grant = try loadGrant(reference, lock: .update, for: context.viewer, on: context.connection)
            let loaded = try loadTranche(grant, sequence: sequence, lock: .update, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "Tranche \(sequence) of \(grant.reference)")
            var machine = try loaded.machine
            let action = try machine.approve(at: context.now, by: context.actor)
            return try TrancheExecutor(store: self, grant: grant, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }

    /// Releases an approved tranche (a finance officer who did not approve it; the grant must be active; `amount`
    /// must be the tranche's): posts `committed:<REF>` → `released:<REF>`. The idempotency key makes retries safe:
    /// the same key with the same grant, tranche and amount returns the first result and writes nothing; the same
    /// key with anything else is refused (`idempotency_key_reused`) and nothing is written.
    public func releaseTranche(
        _ reference: String, sequence: Int, amount: Money, idempotencyKey: String, as login: String
    ) throws -> TrancheRelease {
        try grantsCommand("tranche.release", as: login) { context in
            try context.actor.require(.financeOfficer, to: "release a tranche")
            let idempotency = try IdempotencyKey(idempotencyKey)
            let key = idempotency.text
            let grant = try loadGrant(reference, lock: .update, for: context.viewer, on: context.connection)
            // Lock the tranche first: the key row below references it (FOR KEY SHARE), so locking it afterwards
            // would deadlock concurrent requests with different keys.
            let loaded = try loadTranche(grant, sequence: sequence, lock: .update, on: context.connection)
            let requestHash = Self.releaseHash(grant: grant.reference, sequence: sequence, amount: amount)
            // Claim the key; a concurrent request with the same key (for another tranche) waits here until the first ends.
            let claimed = try context.connection.queryPrepared(
                """
                INSERT INTO release_requests (idempotency_key, request_hash, tranche_id, result) VALUES ($1, $2, $3, '{}')
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key
                """,
                [key, requestHash, loaded.id]
            ).first != nil
            if !claimed {
                let earlier = try context.connection.queryPrepared(
                    "SELECT request_hash, result::text AS result FROM release_requests WHERE idempotency_key = $1", [key]
                ).single()
                try idempotency.replay(requestHash: requestHash, earlierHash: try earlier.decode("request_hash"))
                var first = try earlier.decode("result", as: JSONValue<TrancheRelease>.self).value
                first.replayed = true
                return first
            }
            var machine = try loaded.machine
            let action = try machine.release(amount: amount, idempotencyKey: idempotency, grant: try grant.machine, at: context.now, by: context.actor)
            return try TrancheRelease(released: TrancheExecutor(store: self, grant: grant, loaded: loaded, context: context).perform(action, machine: machine))
        }
    }

    /// The tranches of a grant, in order.
    public func tranches(_ reference: String) throws -> [TrancheRecord] {
        try read("tranche.list") { connection, viewer in
            try loadTranches(try loadGrant(reference, lock: .unlocked, for: viewer, on: connection), lock: .unlocked, on: connection)
        }
    }

    // MARK: Internals

    /// The spending facts for a tranche after the first: whether a report was accepted after the previous
    /// release, the money received so far and the most reported spent.
    private func previousTrancheReport(
        _ grant: GrantRecord, before next: TrancheRecord, in tranches: [TrancheRecord], on connection: Connection
    ) throws -> PreviousTrancheReport? {
        guard let before = tranches.first(where: { $0.sequence == next.sequence - 1 }), let releasedAt = before.releasedAt else { return nil }
        let report = try connection.queryPrepared(
            """
            SELECT count(*) FILTER (WHERE reviewed_at >= $2) AS accepted_after, coalesce(max(spent_minor), 0)::bigint AS spent
            FROM grant_reports WHERE grant_id = $1 AND state = 'accepted'
            """,
            [grant.id, releasedAt]
        ).single()
        return PreviousTrancheReport(
            reportAccepted: try report.decode("accepted_after", as: Int.self) > 0, received: try releasedTotal(grant, on: connection),
            spent: Money(minorUnits: try report.decode("spent"), currency: grant.amount.currency)
        )
    }

    /// The hash that identifies a release request for its idempotency key.
    static func releaseHash(grant: String, sequence: Int, amount: Money) -> String {
        requestHash(of: "\(grant)|\(sequence)|\(amount.minorUnits)|\(amount.currency.code)")
    }

    /// The SHA-256 (hex) of a request's identifying text, kept beside its idempotency key.
    static func requestHash(of text: String) -> String {
        AuditLog.sha256Hex(text)
    }

    func loadTranches(_ grant: GrantRecord, lock: RowLock, on connection: Connection) throws -> [TrancheRecord] {
        try connection.query(
            TrancheRecord.select + " WHERE t.grant_id = $1 ORDER BY t.sequence" + lock.clause(of: "t"), [grant.id]
        ).rows.map(TrancheRecord.init(row:))
    }

    func loadTranche(_ grant: GrantRecord, sequence: Int, lock: RowLock, on connection: Connection) throws -> TrancheRecord {
        guard let row = try connection.query(
            TrancheRecord.select + " WHERE t.grant_id = $1 AND t.sequence = $2" + lock.clause(of: "t"),
            [grant.id, sequence]
        ).first else {
            throw StoreError.notFound("Grant \(grant.reference) has no tranche \(sequence); list them with `rrfctl tranche list \(grant.reference)`.")
        }
        return try TrancheRecord(row: row)
    }

}
