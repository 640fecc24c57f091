import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Runs `body(index)` on `count` threads at once (each thread its own store and connection); returns the outcomes.
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    let box = ThreadResults<T>()
    let group = DispatchGroup()
    let start = DispatchSemaphore(value: 0)
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            start.wait()
            let value = body(index)
            box.lock.withLock { box.values.append(value) }
            group.leave()
        }
    }
    for _ in 0..<count { start.signal() }
    group.wait()
    return box.lock.withLock { box.values }
}

final class ThreadResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var values: [T] = []
}

/// The outcome of a command run on a thread: success or the refusal's code.
enum Outcome<T: Sendable>: Sendable {
    case success(T)
    case refused(String)

    init(_ body: () throws -> T) {
        do { self = .success(try body()) } catch let error as StoreError { self = .refused(error.code) } catch { self = .refused("\(error)") }
    }

    var value: T? { if case .success(let value) = self { value } else { nil } }
    var code: String? { if case .refused(let code) = self { code } else { nil } }
}

extension Fund {
    /// The standard fund with a finance officer, `fin`.
    static func withFinance(_ database: TestDatabase) throws -> Fund {
        let fund = try Fund.standard(database)
        _ = try fund.store.addUser(login: "fin", displayName: "Fiona Finance", roles: [.financeOfficer], as: "admin")
        return fund
    }

    static func usd(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: usd) }

    /// The ledger's invariants hold and all entries sum to zero.
    func expectLedgerConsistent(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try store.verifyLedger() == [], sourceLocation: sourceLocation)
        #expect(try count("SELECT coalesce(sum(amount_minor), 0)::int FROM ledger_entries") == 0, sourceLocation: sourceLocation)
        #expect(try count("SELECT coalesce(sum(balance_minor), 0)::int FROM ledger_accounts") == 0, sourceLocation: sourceLocation)
    }

    /// The balance of one ledger account (0 when it does not exist).
    func balance(_ code: String) throws -> Int64 {
        try store.ledgerBalances().first { $0.code == code }?.balance.minorUnits ?? 0
    }

    /// An approved proposal of `requested` (approved in full) for NGO-ALPHA (medium risk).
    func approvedProposal(requested: String = "12500.50 USD") throws -> ProposalRecord {
        let proposal = try scoredProposal(requested: requested)
        return try store.decideProposal(proposal.reference, .approve(amount: proposal.requested, justification: "Urgent and sound."), as: "fm")
    }

    /// A signed grant whose first tranche is approved by `fm`, ready for release.
    func grantWithApprovedFirstTranche(requested: String = "12500.50 USD") throws -> (GrantRecord, TrancheRecord) {
        let proposal = try approvedProposal(requested: requested)
        let grant = try store.signGrant(proposal.reference, signatory: "Amina Yusuf, Director", as: "fm")
        try store.evaluateTranches(grant.reference, trainingShortfalls: [], as: "sec")
        let tranche = try store.approveTranche(grant.reference, sequence: 1, as: "fm")
        return (grant, tranche)
    }

    /// A signed grant whose first tranche `fin` released (approved by `fm`), so that reports can state spending.
    func grantWithReleasedFirstTranche(requested: String = "12500.50 USD") throws -> GrantRecord {
        let (grant, tranche) = try grantWithApprovedFirstTranche(requested: requested)
        _ = try store.releaseTranche(grant.reference, sequence: 1, amount: tranche.amount, idempotencyKey: "first-\(grant.reference)", as: "fin")
        return grant
    }

    /// The same fund seen some days later (for reports whose period has ended).
    func later(days: Int) -> FundStore {
        FundStore(pool: database.pool(maximumConnections: 1), clock: { Date().addingTimeInterval(Double(days) * 86_400) })
    }
}
