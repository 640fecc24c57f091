import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Issue 13 item 9: every grant command takes its locks in one order (the grant row first), so commands racing on
/// one grant wait for each other and never deadlock. The `withTransaction` retry would hide a deadlock (40P01)
/// from the outcome, so each test asks PostgreSQL how many deadlocks it detected in the test's database, and
/// also checks that every race ends in one consistent state.
@Suite struct GrantLockOrderTests {
    static let grants = 20

    /// Termination against the release of the approved first tranche: termination always succeeds; the release
    /// succeeds exactly when it came first, and the money moved is exactly what the tranche states say.
    @Test func terminationRacingAReleaseNeverDeadlocks() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let grants = try (0..<Self.grants).map { _ in try fund.grantWithApprovedFirstTranche(requested: "2000.00 USD") }
            let references = grants.map(\.0.reference)
            let amount = grants[0].1.amount
            let outcomes = try race(db, references) { store, reference in
                _ = try store.terminateGrant(reference, reason: "Partner ceased operations.", as: "fm")
            } against: { store, reference in
                _ = try store.releaseTranche(reference, sequence: 1, amount: amount, idempotencyKey: "R-\(reference)", as: "fin")
            }
            for (reference, (terminated, released)) in zip(references, outcomes) {
                #expect(terminated.value != nil, "\(reference): \(terminated.code ?? "")")
                #expect(released.value != nil || ["grant_not_active", "invalid_transition"].contains(released.code ?? ""), "\(reference): \(released.code ?? "")")
                let paid = released.value != nil
                #expect(try fund.store.grant(reference).state == "terminated")
                #expect(try fund.store.tranches(reference).map(\.state) == [paid ? "released" : "cancelled", "cancelled", "cancelled"])
                #expect(try fund.balance("released:\(reference)") == (paid ? amount.minorUnits : 0))
                #expect(try fund.balance("committed:\(reference)") == 0)
            }
            try fund.expectLedgerConsistent()
        }
    }

    /// Termination against suspension: termination always succeeds; a suspension either came first (and is in the
    /// history before the termination) or is refused because the grant had ended.
    @Test func terminationRacingASuspensionNeverDeadlocks() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let references = try (0..<Self.grants).map { _ in
                try fund.store.signGrant(try fund.approvedProposal(requested: "2000.00 USD").reference, signatory: "Amina Yusuf, Director", as: "fm").reference
            }
            let outcomes = try race(db, references) { store, reference in
                _ = try store.terminateGrant(reference, reason: "Partner ceased operations.", as: "fm")
            } against: { store, reference in
                _ = try store.suspendGrant(reference, reason: "Audit finding.", as: "fm")
            }
            for (reference, (terminated, suspended)) in zip(references, outcomes) {
                #expect(terminated.value != nil, "\(reference): \(terminated.code ?? "")")
                #expect(suspended.value != nil || suspended.code == "invalid_transition", "\(reference): \(suspended.code ?? "")")
                #expect(try fund.store.grant(reference).state == "terminated")
                let history = try fund.store.grantHistory(reference).map(\.type).filter { $0 == "grant.suspended" || $0 == "grant.terminated" }
                #expect(history == (suspended.value != nil ? ["grant.suspended", "grant.terminated"] : ["grant.terminated"]))
                #expect(try fund.balance("committed:\(reference)") == 0)
            }
            try fund.expectLedgerConsistent()
        }
    }

    /// The release of the second tranche against a fund manager's acceptance of the final report (which closes the
    /// grant): the acceptance always succeeds; the release succeeds exactly when it came first, and the refund is
    /// exactly what was released less the reported spending.
    @Test func aReleaseRacingTheFinalReportsAcceptanceNeverDeadlocks() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            // 2,000.00 medium risk: tranches of 1,000.00, 600.00 and 400.00; the first is released.
            let references = try (0..<Self.grants).map { _ in try fund.grantWithReleasedFirstTranche(requested: "2000.00 USD").reference }
            let interim = fund.later(days: 100), end = fund.later(days: 200)
            _ = try interim.markReportsDue(as: "sec")
            for reference in references {
                _ = try interim.submitReport(reference, sequence: 1, narrative: "Wells.", spending: [SpendingLine(line: "Everything", amount: "900.00 USD")], as: "ngo")
                _ = try interim.acceptReport(reference, sequence: 1, as: "sec")
                #expect(try store.evaluateTranches(reference, trainingShortfalls: [], as: "sec")[1].state == "ready")
                _ = try store.approveTranche(reference, sequence: 2, as: "fm")
            }
            _ = try end.markReportsDue(as: "sec")
            for reference in references {
                _ = try end.submitReport(reference, sequence: 3, narrative: "Done.", spending: [SpendingLine(line: "Everything", amount: "800.00 USD")], as: "ngo")
            }
            let outcomes = try race(db, references, days: 200) { store, reference in
                _ = try store.acceptReport(reference, sequence: 3, as: "fm")
            } against: { store, reference in
                _ = try store.releaseTranche(reference, sequence: 2, amount: Fund.usd(60_000), idempotencyKey: "R2-\(reference)", as: "fin")
            }
            for (reference, (accepted, released)) in zip(references, outcomes) {
                #expect(accepted.value != nil, "\(reference): \(accepted.code ?? "")")
                #expect(released.value != nil || ["grant_not_active", "invalid_transition"].contains(released.code ?? ""), "\(reference): \(released.code ?? "")")
                let paid: Int64 = released.value != nil ? 160_000 : 100_000
                let grant = try store.grant(reference)
                #expect(grant.state == "closed")
                #expect(grant.refund == Fund.usd(paid - 80_000))
                #expect(try store.tranches(reference).map(\.state) == ["released", paid == 160_000 ? "released" : "cancelled", "cancelled"])
                #expect(try fund.balance("released:\(reference)") == 80_000)
                #expect(try fund.balance("committed:\(reference)") == 0)
            }
            try fund.expectLedgerConsistent()
        }
    }

    /// Runs `first` and `second` on every grant at once, each on its own thread with its own connection (seeing the
    /// clock `days` ahead), and returns their outcomes per grant, in the order of `references`. Records an issue
    /// when PostgreSQL detected a deadlock in the database meanwhile.
    private func race(
        _ db: TestDatabase, _ references: [String], days: Int = 0,
        _ first: @escaping @Sendable (FundStore, String) throws -> Void,
        against second: @escaping @Sendable (FundStore, String) throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [(Outcome<Bool>, Outcome<Bool>)] {
        let monitor = try DeadlockMonitor(db)
        defer { monitor.connection.close() }
        let outcomes = onThreads(2 * references.count) { index in
            let store = FundStore(pool: db.pool(maximumConnections: 1), clock: { Date().addingTimeInterval(Double(days) * 86_400) })
            let reference = references[index / 2]
            return (index, Outcome<Bool> { try (index % 2 == 0 ? first : second)(store, reference); return true })
        }
        let deadlocks = try monitor.deadlocksSinceStart()
        #expect(deadlocks == 0, "PostgreSQL detected \(deadlocks) deadlocks (40P01) between the racing commands", sourceLocation: sourceLocation)
        let byIndex = Dictionary(uniqueKeysWithValues: outcomes)
        return references.indices.map { (byIndex[2 * $0]!, byIndex[2 * $0 + 1]!) }
    }
}

/// Reads PostgreSQL's count of deadlocks detected in one database (`pg_stat_database.deadlocks`). A backend
/// reports its statistics before it leaves `pg_stat_activity`, so the count is read once every session that was
/// not there at the start has ended (the racing threads' stores close their connections when they finish).
struct DeadlockMonitor {
    let connection: Connection
    let sessionsAtStart: Set<Int>
    let deadlocksAtStart: Int

    init(_ db: TestDatabase) throws {
        connection = try db.connect()
        sessionsAtStart = try Self.sessions(on: connection)
        deadlocksAtStart = try Self.deadlocks(on: connection)
    }

    /// Deadlocks detected since `init`, once the sessions opened since have ended (at most 10 s of waiting).
    func deadlocksSinceStart() throws -> Int {
        let deadline = Date().addingTimeInterval(10)
        while try !Self.sessions(on: connection).isSubset(of: sessionsAtStart) {
            guard Date() < deadline else {
                Issue.record("sessions opened by the race are still connected after 10 s")
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try Self.deadlocks(on: connection) - deadlocksAtStart
    }

    private static func sessions(on connection: Connection) throws -> Set<Int> {
        Set(try connection.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).rows.map { try $0.decode("pid", as: Int.self) })
    }

    private static func deadlocks(on connection: Connection) throws -> Int {
        _ = try connection.query("SELECT pg_stat_clear_snapshot()")
        return try connection.query(
            "SELECT deadlocks::int AS deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).single().decode("deadlocks", as: Int.self)
    }
}
