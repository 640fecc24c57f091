import Foundation
import Postgres
import RRFWorkflow

/// One account of the ledger with its balance (table `ledger_accounts`). See `sql/0005_grants_ledger.sql` for
/// the money flow between the kinds.
public struct LedgerAccountBalance: Codable, Sendable, Equatable {
    /// e.g. `envelope:SA-1:health`, `committed:RRF-2026-0001`, `donor:ECHO:USD`.
    public let code: String
    /// donor | envelope | committed | released | refunds
    public let kind: String
    public let balance: Money
}

/// A broken ledger invariant found by ``FundStore/verifyLedger()``.
public struct LedgerViolation: Codable, Sendable, Equatable, CustomStringConvertible {
    /// `unbalanced_transaction`, `negative_balance`, `balance_mismatch`, `released_exceeds_committed`,
    /// `envelope_commitment_mismatch`, `release_without_tranche`, `tranche_without_release`,
    /// `approval_without_commitment`, `commitment_without_approval` (see `FundStore.verifyLedger`).
    public let code: String
    public let message: String
    public var description: String { message }
}

/// One line of a ledger transaction: an account code and a signed amount.
struct LedgerLeg {
    let account: LedgerAccountKey
    let amount: Int64
}

/// How to find (or create) an account.
enum LedgerAccountKey: Hashable {
    case donor(String, currency: String)
    case envelope(callID: UUID, callCode: String, cluster: String, currency: String)
    case committed(proposalID: UUID, reference: String, currency: String)
    case released(proposalID: UUID, reference: String, organisationID: UUID, currency: String)
    case refunds(currency: String)

    var code: String {
        switch self {
        case .donor(let donor, let currency): "donor:\(donor):\(currency)"
        case .envelope(_, let call, let cluster, _): "envelope:\(call):\(cluster)"
        case .committed(_, let reference, _): "committed:\(reference)"
        case .released(_, let reference, _, _): "released:\(reference)"
        case .refunds(let currency): "refunds:\(currency)"
        }
    }
}

enum Ledger {
    /// Finds or creates the account; returns its id.
    static func accountID(_ key: LedgerAccountKey, on connection: Connection) throws -> Int64 {
        if let row = try connection.queryPrepared("SELECT id FROM ledger_accounts WHERE code = $1", [key.code]).first {
            return try row.decode("id")
        }
        let (kind, currency, donor, callID, cluster, proposalID, organisationID): (String, String, String?, UUID?, String?, UUID?, UUID?) =
            switch key {
            case .donor(let donor, let currency): ("donor", currency, donor, nil, nil, nil, nil)
            case .envelope(let callID, _, let cluster, let currency): ("envelope", currency, nil, callID, cluster, nil, nil)
            case .committed(let proposalID, _, let currency): ("committed", currency, nil, nil, nil, proposalID, nil)
            case .released(let proposalID, _, let organisationID, let currency): ("released", currency, nil, nil, nil, proposalID, organisationID)
            case .refunds(let currency): ("refunds", currency, nil, nil, nil, nil, nil)
            }
        // Two first movements may race to create the account: the loser reads the winner's row.
        try connection.queryPrepared(
            """
            INSERT INTO ledger_accounts (code, kind, currency, donor, call_id, cluster, proposal_id, organisation_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING
            """,
            [key.code, kind, currency, donor, callID, cluster, proposalID, organisationID]
        )
        return try connection.queryPrepared("SELECT id FROM ledger_accounts WHERE code = $1", [key.code]).single().decode("id")
    }

    /// The balance of an account (0 when it does not exist yet), locking the row when `lock` is set.
    static func balance(_ key: LedgerAccountKey, lock: Bool, on connection: Connection) throws -> Int64 {
        try connection.queryPrepared(
            "SELECT balance_minor FROM ledger_accounts WHERE code = $1" + (lock ? " FOR UPDATE" : ""), [key.code]
        ).first?.decode("balance_minor") ?? 0
    }

    /// Posts one balanced transaction; legs with amount zero are skipped (nothing is written when all are zero).
    /// The deferred constraint trigger re-checks the balance at commit.
    @discardableResult
    static func post(
        _ kind: String, legs: [LedgerLeg], proposalID: UUID?, memo: String, actor: String, at now: Date, on connection: Connection
    ) throws -> Int64? {
        let legs = legs.filter { $0.amount != 0 }
        guard !legs.isEmpty else { return nil }
        guard legs.reduce(Int64(0), { $0 + $1.amount }) == 0 else {
            throw StoreError(.internal, code: "ledger_unbalanced", "A \(kind) movement does not balance; this is a defect, please report it.")
        }
        // Lock accounts in code order so concurrent movements never deadlock.
        let resolved = try legs.sorted { $0.account.code < $1.account.code }.map { leg in
            (try accountID(leg.account, on: connection), leg)
        }
        let transactionID: Int64 = try connection.queryPrepared(
            "INSERT INTO ledger_transactions (kind, proposal_id, memo, actor, occurred_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            [kind, proposalID, memo, actor, now]
        ).single().decode("id")
        for (accountID, leg) in resolved {
            try connection.queryPrepared(
                "INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor) VALUES ($1, $2, (SELECT currency FROM ledger_accounts WHERE id = $2), $3)",
                [transactionID, accountID, leg.amount]
            )
        }
        // The movement's own audit event, which `verifyLedger` compares it with (sql/0025).
        let payload: String = try connection.queryPrepared(
            "SELECT ledger_posting_payload($1) AS payload", [transactionID]
        ).single().decode("payload")
        try AuditLog.append(
            stream: Streams.ledgerTransaction(transactionID), type: "ledger.posted", actor: actor, at: now, payloadJSON: payload, on: connection
        )
        return transactionID
    }

    /// Constraint name → (code, sentence) for the ledger's and grants' constraints.
    static let sentences: [String: (code: String, message: String)] = [
        "ledger_accounts_balance_not_negative": (
            "insufficient_funds", "The account does not hold enough money for this movement; nothing was written."
        ),
        "ledger_accounts_donor_gives": ("donor_balance_positive", "A donor account can only give money."),
        "ledger_transaction_balanced": ("ledger_unbalanced", "The ledger movement does not sum to zero; nothing was written."),
        "ledger_entries_currency_of_account": ("currency_mismatch", "An account holds one currency only; nothing was written."),
        "ledger_append_only": ("ledger_append_only", "The ledger is append-only; post a correcting movement instead."),
        "tranches_released_by_other_than_approver": (
            "same_person_release", "The person who approved a tranche cannot also release it; another finance officer must release it."
        ),
        "release_requests_key": ("idempotency_key_in_use", "This idempotency key is being used by another release right now; retry."),
        "deposit_requests_key": ("idempotency_key_in_use", "This idempotency key is being used by another deposit right now; retry."),
        "grants_proposal_key": ("grant_exists", "This proposal already has a grant."),
    ]

    /// A command error with the ledger's sentence when one of its constraints was violated.
    static func mapped(_ error: any Error) -> any Error {
        guard let storeError = error as? StoreError, let constraint = storeError.underlying?.constraint,
              let sentence = sentences[constraint] else { return error }
        return StoreError(.rejected, code: sentence.code, sentence.message, underlying: storeError.underlying)
    }
}

extension FundStore {
    /// Runs a command of the grants module, with the ledger's constraint sentences.
    ///
    /// Lock order, the same in every command, so that two never wait on each other: the grant row first
    /// (`FOR NO KEY UPDATE`, which serialises the commands of one grant), then its tranches in sequence order,
    /// then its reports, then the call's envelope row, then ledger accounts (by the order of the legs). A command
    /// that creates a grant locks the proposal before the grant exists; nothing locks a proposal after its grant.
    func grantsCommand<T>(_ name: String, as login: String, _ body: (CommandContext) throws -> T) throws -> T {
        do { return try command(name, as: login, body) } catch { throw Ledger.mapped(error) }
    }

    /// Donor funding straight into a call's envelope for one cluster (finance officer or fund manager):
    /// `donor:<DONOR>:<CUR>` → `envelope:<CALL>:<cluster>`. The amount must be in the call's currency.
    /// With an `idempotencyKey` (a form's, an API request's) the same request again deposits nothing and answers
    /// the first result; the key with another request is refused. Returns the envelope account's new balance.
    @discardableResult
    public func deposit(
        call code: String, cluster: Cluster, amount: Money, donor: String, idempotencyKey: String? = nil, as login: String
    ) throws -> LedgerAccountBalance {
        try grantsCommand("fund.deposit", as: login) { context in
            try context.actor.require(.financeOfficer, .fundManager, to: "record donor funding")
            let call = try loadCall(code, lock: .share, on: context.connection)
            let donor = try Funding.deposit(
                donor: donor, amount: amount, call: call.code, callCurrency: call.configuration.currency,
                fundedClusters: Set(call.envelopes.map(\.cluster)), cluster: cluster
            )
            let idempotency = try idempotencyKey.map { key throws(WorkflowRejection) in try IdempotencyKey(key) }
            let requestHash = Self.requestHash(of: "\(call.code)|\(cluster.rawValue)|\(donor)|\(amount.minorUnits)|\(amount.currency.code)")
            if let idempotency {
                let claimed = try context.connection.queryPrepared(
                    "INSERT INTO deposit_requests (idempotency_key, request_hash, result) VALUES ($1, $2, '{}') ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key",
                    [idempotency.text, requestHash]
                ).first != nil
                if !claimed {
                    let earlier = try context.connection.queryPrepared(
                        "SELECT request_hash, result::text AS result FROM deposit_requests WHERE idempotency_key = $1", [idempotency.text]
                    ).single()
                    try idempotency.replay(requestHash: requestHash, earlierHash: try earlier.decode("request_hash"))
                    return try earlier.decode("result", as: JSONValue<LedgerAccountBalance>.self).value
                }
            }
            let envelope = LedgerAccountKey.envelope(callID: call.id, callCode: call.code, cluster: cluster.rawValue, currency: amount.currency.code)
            try Ledger.post(
                "deposit",
                legs: [LedgerLeg(account: .donor(donor, currency: amount.currency.code), amount: -amount.minorUnits),
                       LedgerLeg(account: envelope, amount: amount.minorUnits)],
                proposalID: nil, memo: "\(donor) funding for \(call.code) \(cluster.rawValue)", actor: context.recordedActor, at: context.now,
                on: context.connection
            )
            let balance = Money(minorUnits: try Ledger.balance(envelope, lock: false, on: context.connection), currency: amount.currency)
            try context.audit("ledger:\(envelope.code)", "fund.deposited", DepositEvent(donor: donor, amount: amount, envelopeBalance: balance))
            let result = LedgerAccountBalance(code: envelope.code, kind: "envelope", balance: balance)
            if let idempotency {
                try context.connection.queryPrepared(
                    "UPDATE deposit_requests SET result = $2::jsonb WHERE idempotency_key = $1", [idempotency.text, JSONValue(result)]
                )
            }
            return result
        }
    }

    /// The ledger's side of an approval, in the approval's transaction: refuses when the envelope account does
    /// not hold `amount`, otherwise moves it `envelope:<CALL>:<cluster>` → `committed:<REF>`. The caller keeps
    /// `call_envelopes.committed_minor` in step.
    func commitApproval(_ proposal: ProposalRecord, amount: Money, context: CommandContext) throws {
        let currency = amount.currency.code
        let envelope = LedgerAccountKey.envelope(callID: proposal.callID, callCode: proposal.call, cluster: proposal.cluster.rawValue, currency: currency)
        let available = Money(minorUnits: try Ledger.balance(envelope, lock: true, on: context.connection), currency: amount.currency)
        try Funding.commit(amount, available: available, cluster: proposal.cluster, call: proposal.call)
        try Ledger.post(
            "commit",
            legs: [LedgerLeg(account: envelope, amount: -amount.minorUnits),
                   LedgerLeg(account: .committed(proposalID: proposal.id, reference: proposal.reference, currency: currency), amount: amount.minorUnits)],
            proposalID: proposal.id, memo: "approval of \(proposal.reference)", actor: context.recordedActor, at: context.now, on: context.connection
        )
    }

    /// Every account with its balance, by code.
    public func ledgerBalances() throws -> [LedgerAccountBalance] {
        try read("ledger.balance") { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            return             try connection.query("SELECT code, kind, currency, balance_minor FROM ledger_accounts ORDER BY code").rows.map { row in
                LedgerAccountBalance(
                    code: try row.decode("code"), kind: try row.decode("kind"),
                    balance: Money(minorUnits: try row.decode("balance_minor"), currency: try Currency.stored(try row.decode("currency")))
                )
            }
        }
    }

    /// The donor funding left in a call's envelope for one cluster, what approvals may still commit (the
    /// envelope account's balance); zero before any deposit. For those who decide (fund managers, secretariat).
    public func envelopeFunding(call: String, cluster: Cluster) throws -> Money {
        try read("ledger.envelope") { connection, viewer in
            try viewer.require(.ranking, notFound: StoreError(.forbidden, code: "role_required", "Only the secretariat or a fund manager can see an envelope's funding."))
            let record = try loadCall(call, lock: .unlocked, on: connection)
            let code = LedgerAccountKey.envelope(callID: record.id, callCode: record.code, cluster: cluster.rawValue, currency: record.configuration.currency.code).code
            let balance = try connection.query("SELECT balance_minor FROM ledger_accounts WHERE code = $1", [code]).first.map { try $0.decode("balance_minor", as: Int64.self) }
            return Money(minorUnits: balance ?? 0, currency: record.configuration.currency)
        }
    }
}

extension RowLock {
    /// The locking clause for the table with this alias in a joined select (empty when unlocked).
    func clause(of alias: String) -> String { self == .unlocked ? "" : rawValue + " OF " + alias }
}

/// Payload of the `fund.deposited` audit event.
struct DepositEvent: Encodable {
    let donor: String
    let amount: Money
    let envelopeBalance: Money
}
