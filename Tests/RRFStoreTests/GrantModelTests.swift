import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// SplitMix64: a tiny seeded generator, so that a failing run replays exactly from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One command of the grant model; `g` indexes the model's grants, `report` and `tranche` are sequences (1…3).
enum GrantCommand: Sendable {
    /// How a report states its spending: a share of what was released, more than was released, or an unknown line.
    enum Spending: Sendable {
        case share(percent: Int)
        case aboveReleased(by: Int64)
        case unknownLine
    }

    case sign(g: Int)
    /// Moves the clock on and marks the reports whose period ended as due.
    case advance(days: Int)
    case submit(g: Int, report: Int, Spending)
    case accept(g: Int, report: Int, by: String)
    case returnReport(g: Int, report: Int)
    case reopen(g: Int, report: Int)
    case evaluate(g: Int)
    case approve(g: Int, tranche: Int, by: String)
    /// `offBy` is added to the tranche's amount (a wrong payload when not zero).
    case release(g: Int, tranche: Int, key: String, offBy: Int64, by: String)
    case suspend(g: Int)
    case resume(g: Int)
    case terminate(g: Int, reason: String)
    case close(g: Int)

    /// The command's name, for the tally of outcomes.
    var name: String { String(String(describing: self).prefix { $0 != "(" }) }

    /// A random command, valid or not; weighted so that runs get deep into grants' lives.
    static func random(grants: Int, using rng: inout SplitMix64) -> GrantCommand {
        let g = Int.random(in: 0..<grants, using: &rng)
        let report = Int.random(in: 1...3, using: &rng)
        let tranche = Int.random(in: 1...3, using: &rng)
        func pick(_ choices: [String]) -> String { choices[Int.random(in: 0..<choices.count, using: &rng)] }
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<6: return .sign(g: g)
        case 6..<14: return .advance(days: Int.random(in: 15...60, using: &rng))
        case 14..<30:
            let spending: Spending = switch Int.random(in: 0..<10, using: &rng) {
            case 0: .aboveReleased(by: Int64.random(in: 1...100_000, using: &rng))
            case 1: .unknownLine
            default: .share(percent: Int.random(in: 50...100, using: &rng))
            }
            return .submit(g: g, report: report, spending)
        case 30..<42: return .accept(g: g, report: report, by: pick(["sec", "fm"]))
        case 42..<46: return .returnReport(g: g, report: report)
        case 46..<50: return .reopen(g: g, report: report)
        case 50..<60: return .evaluate(g: g)
        case 60..<70: return .approve(g: g, tranche: tranche, by: pick(["fm", "boss"]))
        case 70..<86:
            // Mostly a key of this tranche's (so repeats replay), sometimes one shared by all (so payloads collide).
            let key = Int.random(in: 0..<4, using: &rng) == 0 ? "shared-\(Int.random(in: 0..<2, using: &rng))"
                : "\(g)-\(tranche)-\(Int.random(in: 0..<3, using: &rng))"
            let offBy: Int64 = Int.random(in: 0..<6, using: &rng) == 0 ? 1 : 0
            return .release(g: g, tranche: tranche, key: key, offBy: offBy, by: pick(["fin", "fin", "boss"]))
        case 86..<91: return .suspend(g: g)
        case 91..<95: return .resume(g: g)
        case 95..<97: return .terminate(g: g, reason: pick(["Partner ceased operations.", " "]))
        default: return .close(g: g)
        }
    }
}

/// Issue 13 "Done when": random valid and invalid command sequences on a few grants, against PostgreSQL, keep the
/// grants' invariants after every step — the ledger verifies, released ≤ committed and the released account holds
/// exactly the released tranches (less any refund), every released tranche has exactly one payment, no grant is in
/// a state it cannot leave, and a refused command (or a replayed release) writes nothing.
@Suite struct GrantModelTests {
    static let steps = 120

    /// One seeded run of `steps` random commands on three grants; at the end every closing grant can be closed or
    /// its final report reopened, and every grant still running can be terminated.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func randomCommandSequencesKeepTheGrantInvariants(seed: UInt64) throws {
        try withTestDatabase { db in
            var model = try GrantModel(db, seed: seed)
            var rng = SplitMix64(state: seed)
            defer { model.connection.close() }
            for _ in 1...Self.steps {
                try model.step(try model.next(using: &rng))
            }
            try model.endEveryGrant()
            let accepted = model.tally.filter { $0.value.accepted > 0 }.keys
            #expect(accepted.contains("release") && accepted.contains("accept") && accepted.contains("submit"),
                    "seed \(seed) never reached a release, a submission or an acceptance: \(model.tally)")
            #expect(model.tally.values.contains { $0.refused > 0 }, "seed \(seed) never tried an invalid command")
        }
    }
}

/// The system under test and what the model remembers: the grants' references, the clock, the trace of commands.
struct GrantModel {
    let fund: Fund
    let store: FundStore
    let clock: KPITests.TestClock
    let connection: Connection
    let seed: UInt64
    var references: [String] = []
    var trace: [String] = []
    var tally: [String: (accepted: Int, refused: Int)] = [:]

    /// The states a grant can be in; each has a way out or is an end.
    static let states = ["agreement_pending", "active", "suspended", "closing", "closed", "terminated"]

    init(_ db: TestDatabase, seed: UInt64) throws {
        fund = try Fund.withFinance(db)
        _ = try fund.store.addUser(login: "boss", displayName: "Bo Both", roles: [.fundManager, .financeOfficer], as: "admin")
        let clock = KPITests.TestClock(Date())
        self.clock = clock
        store = FundStore(pool: db.pool(maximumConnections: 2), clock: { clock.read() })
        connection = try db.connect()
        self.seed = seed
        for requested in ["12500.50 USD", "8000.00 USD", "20000.03 USD"] {
            references.append(try fund.approvedProposal(requested: requested).reference)
        }
    }

    /// The next command: mostly one the rules should accept in the grants' current states (so that runs get deep
    /// into grants' lives), sometimes a move of the clock, otherwise any command at all.
    func next(using rng: inout SplitMix64) throws -> GrantCommand {
        let roll = Int.random(in: 0..<100, using: &rng)
        if roll < 8 { return .advance(days: Int.random(in: 15...60, using: &rng)) }
        let likely = roll < 70 ? try likelyValid(using: &rng) : []
        guard !likely.isEmpty else { return GrantCommand.random(grants: references.count, using: &rng) }
        return likely[Int.random(in: 0..<likely.count, using: &rng)]
    }

    /// The commands the rules should accept now, read from the stored states.
    func likelyValid(using rng: inout SplitMix64) throws -> [GrantCommand] {
        var commands: [GrantCommand] = []
        for (g, reference) in references.enumerated() {
            guard let grant = try? store.grant(reference), grant.state != "agreement_pending" else {
                commands.append(.sign(g: g))
                continue
            }
            switch grant.state {
            case "active":
                commands.append(Int.random(in: 0..<3, using: &rng) == 0 ? .suspend(g: g) : .evaluate(g: g))
                for tranche in try store.tranches(reference) {
                    let key = "\(g)-\(tranche.sequence)-\(Int.random(in: 0..<2, using: &rng))"
                    switch tranche.state {
                    case "ready": commands.append(.approve(g: g, tranche: tranche.sequence, by: Int.random(in: 0..<3, using: &rng) == 0 ? "boss" : "fm"))
                    // A retry of a release: a replay with the same key, a refusal with another.
                    case "approved", "released": commands.append(.release(g: g, tranche: tranche.sequence, key: key, offBy: 0, by: "fin"))
                    default: break
                    }
                }
                for report in try store.reports(reference) {
                    switch report.state {
                    case "due", "returned": commands.append(.submit(g: g, report: report.sequence, .share(percent: Int.random(in: 70...100, using: &rng))))
                    case "submitted":
                        commands += [.accept(g: g, report: report.sequence, by: Int.random(in: 0..<2, using: &rng) == 0 ? "sec" : "fm"),
                                     .returnReport(g: g, report: report.sequence)]
                    default: break
                    }
                }
            case "suspended": commands.append(.resume(g: g))
            case "closing": commands += [.close(g: g), .reopen(g: g, report: 3)]
            default: break
            }
        }
        return commands
    }

    /// What the failure messages say, so that a run can be replayed and read.
    var context: String { "seed \(seed), after:\n\(trace.suffix(25).joined(separator: "\n"))" }

    /// Applies one command, checks what a refusal (or a replay) left, then the invariants; returns `apply`'s answer.
    @discardableResult
    mutating func step(_ command: GrantCommand) throws -> Bool? {
        trace.append("\(trace.count + 1): \(command)")
        let before = try snapshot()
        let changed = apply(command)
        var entry = tally[command.name] ?? (0, 0)
        if changed == nil { entry.refused += 1 } else { entry.accepted += 1 }
        tally[command.name] = entry
        if changed != true {
            #expect(try snapshot() == before, "a refused or replayed command wrote something; \(context)")
        }
        try checkInvariants()
        return changed
    }

    /// Calls the store: true when the command was accepted and may have written, false when it was accepted as a
    /// replay (nothing written), nil when it was refused by a rule. Any other failure is a defect.
    func apply(_ command: GrantCommand) -> Bool? {
        do {
            switch command {
            case .sign(let g): _ = try store.signGrant(references[g], signatory: "Amina Yusuf, Director", as: "fm")
            case .advance(let days):
                clock.set(clock.read().addingTimeInterval(Double(days) * 86_400))
                _ = try store.markReportsDue(as: "sec")
            case .submit(let g, let report, let spending):
                let released = try releasedTotal(references[g])
                let line: SpendingLine = switch spending {
                case .share(let percent): SpendingLine(line: "Everything", amount: Fund.usd(released * Int64(percent) / 100).description)
                case .aboveReleased(let extra): SpendingLine(line: "Everything", amount: Fund.usd(released + extra).description)
                case .unknownLine: SpendingLine(line: "Helicopters", amount: Fund.usd(1).description)
                }
                _ = try store.submitReport(references[g], sequence: report, narrative: "Progress.", spending: [line], as: "ngo")
            case .accept(let g, let report, let login): _ = try store.acceptReport(references[g], sequence: report, as: login)
            case .returnReport(let g, let report): _ = try store.returnReport(references[g], sequence: report, comment: "Add receipts.", as: "sec")
            case .reopen(let g, let report): _ = try store.reopenReport(references[g], sequence: report, reason: "Figures incomplete.", as: "fm")
            case .evaluate(let g): try store.evaluateTranches(references[g], trainingShortfalls: [], as: "sec")
            case .approve(let g, let tranche, let login): _ = try store.approveTranche(references[g], sequence: tranche, as: login)
            case .release(let g, let tranche, let key, let offBy, let login):
                let amount = try store.tranches(references[g]).first { $0.sequence == tranche }.map { $0.amount.minorUnits + offBy } ?? 1
                return try !store.releaseTranche(references[g], sequence: tranche, amount: Fund.usd(amount), idempotencyKey: key, as: login).replayed
            case .suspend(let g): _ = try store.suspendGrant(references[g], reason: "Audit finding.", as: "fm")
            case .resume(let g): _ = try store.resumeGrant(references[g], as: "fm")
            case .terminate(let g, let reason): _ = try store.terminateGrant(references[g], reason: reason, as: "fm")
            case .close(let g): _ = try store.closeGrant(references[g], as: "fm")
            }
            return true
        } catch let error as StoreError where [StoreError.Kind.rejected, .forbidden, .notFound].contains(error.kind) {
            return nil
        } catch {
            Issue.record("\(error) is not a refusal by a rule; \(context)")
            return nil
        }
    }

    /// The money released under a grant so far (0 before it exists).
    func releasedTotal(_ reference: String) throws -> Int64 {
        guard (try? store.grant(reference)) != nil else { return 0 }
        return try store.tranches(reference).filter { $0.state == "released" }.map(\.amount.minorUnits).reduce(0, +)
    }

    /// Everything a grant command can write: grants, tranches and reports (state and version), and the number of
    /// ledger entries, audit events, release requests and jobs.
    func snapshot() throws -> String {
        try connection.query(
            """
            SELECT concat_ws(' | ',
              (SELECT string_agg(reference || ':' || state || ':' || version, ',' ORDER BY reference) FROM grants),
              (SELECT string_agg(g.reference || '/t' || t.sequence || ':' || t.state || ':' || t.version, ',' ORDER BY g.reference, t.sequence)
                 FROM tranches t JOIN grants g ON g.id = t.grant_id),
              (SELECT string_agg(g.reference || '/r' || r.sequence || ':' || r.state || ':' || r.version, ',' ORDER BY g.reference, r.sequence)
                 FROM grant_reports r JOIN grants g ON g.id = r.grant_id),
              (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM audit_events),
              (SELECT count(*) FROM release_requests), (SELECT count(*) FROM jobs)) AS snapshot
            """
        ).single().decode("snapshot")
    }

    /// The invariants that hold after every step.
    func checkInvariants() throws {
        #expect(try store.verifyLedger() == [], "\(context)")
        let balances = Dictionary(try store.ledgerBalances().map { ($0.code, $0.balance.minorUnits) }, uniquingKeysWith: +)
        for reference in references {
            let committed = balances["committed:\(reference)"] ?? 0
            guard let grant = try? store.grant(reference) else {
                #expect(committed == (try fund.store.proposal(reference).approved?.minorUnits), "\(reference) unsigned; \(context)")
                continue
            }
            let released = try releasedTotal(reference)
            let ended = grant.state == "closed" || grant.state == "terminated"
            #expect(Self.states.contains(grant.state), "\(reference) is \(grant.state); \(context)")
            #expect(released <= grant.amount.minorUnits, "\(reference) released more than committed; \(context)")
            #expect(committed == (ended ? 0 : grant.amount.minorUnits - released), "\(reference) committed; \(context)")
            #expect(balances["released:\(reference)"] ?? 0 == released - (grant.refund?.minorUnits ?? 0), "\(reference) released; \(context)")
            if grant.state == "closing" {
                #expect(try store.reports(reference).first { $0.kind == .final }?.state == "accepted", "\(reference) closing; \(context)")
            }
        }
        // Every released tranche points at one release transaction of its own; no release is without its tranche.
        let payments = try connection.query(
            """
            SELECT (SELECT count(*) FROM tranches t WHERE t.state = 'released' AND NOT EXISTS
                      (SELECT 1 FROM ledger_transactions l WHERE l.id = t.ledger_transaction_id AND l.kind = 'release'))::int AS unpaid,
                   (SELECT count(*) FROM ledger_transactions WHERE kind = 'release')::int AS releases,
                   (SELECT count(DISTINCT ledger_transaction_id) FROM tranches WHERE state = 'released')::int AS paid,
                   (SELECT count(*) FROM tranches WHERE state = 'released')::int AS released
            """
        ).single()
        #expect(try payments.decode("unpaid", as: Int.self) == 0, "\(context)")
        let counts = try ["releases", "paid", "released"].map { try payments.decode($0, as: Int.self) }
        #expect(Set(counts).count == 1, "releases, paid tranches, released tranches: \(counts); \(context)")
    }

    /// No dead end: a closing grant closes or has its final report reopened; then every grant still running
    /// (or never signed) can be terminated, and nothing stays committed.
    mutating func endEveryGrant() throws {
        for (g, reference) in references.enumerated() where (try? store.grant(reference))?.state == "closing" {
            let final = try #require(try store.reports(reference).first { $0.kind == .final })
            let ended = try step(.close(g: g)) != nil || step(.reopen(g: g, report: final.sequence)) != nil
            #expect(ended, "\(reference) is stuck in closing; \(context)")
        }
        for (g, reference) in references.enumerated() where !["closed", "terminated"].contains((try? store.grant(reference))?.state ?? "") {
            #expect(try step(.terminate(g: g, reason: "End of the model run.")) != nil, "\(reference) cannot be terminated; \(context)")
        }
        let committed = try store.ledgerBalances().filter { $0.kind == "committed" }.map(\.balance.minorUnits)
        #expect(committed.allSatisfy { $0 == 0 }, "\(context)")
        try fund.expectLedgerConsistent()
    }
}
