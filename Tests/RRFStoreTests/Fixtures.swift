import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// A small fund on a fresh database: an administrator, the secretariat, two fund managers (one affiliated
/// with the partner), an assessed partner with its NGO user, and an open call funding health and WASH.
struct Fund {
    let database: TestDatabase
    let store: FundStore
    static let usd = try! Currency(code: "USD")

    init(_ database: TestDatabase, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        store = FundStore(pool: database.pool(), clock: clock)
    }

    /// Users, the partners `NGO-ALPHA` (assessed) and `NGO-BETA` (registered), and the open call `SA-1`.
    static func standard(_ database: TestDatabase, kind: CallKind = .standard) throws -> Fund {
        let fund = Fund(database)
        let store = fund.store
        _ = try store.addUser(login: "admin", displayName: "Ada Admin", roles: [.admin], as: nil)
        _ = try store.addUser(login: "sec", displayName: "Sam Secretariat", email: "sec@fund.example", roles: [.secretariat], as: "admin")
        _ = try store.addUser(login: "fm", displayName: "Fatima Manager", roles: [.fundManager], as: "admin")
        _ = try store.registerOrganisation(code: "NGO-ALPHA", name: "Alpha Relief", country: "KE", as: "sec")
        _ = try store.registerOrganisation(code: "NGO-BETA", name: "Beta Aid", country: "SO", as: "sec")
        _ = try store.assessOrganisation("NGO-ALPHA", risk: .medium, dueDiligenceExpires: fund.today.adding(days: 365), as: "sec")
        _ = try store.addUser(login: "ngo", displayName: "Nadia NGO", email: "nadia@ngo-alpha.example", roles: [.ngoUser], organisations: ["NGO-ALPHA"], as: "admin")
        _ = try store.addUser(login: "fm-alpha", displayName: "Frank Conflicted", roles: [.fundManager], organisations: ["NGO-ALPHA"], as: "admin")
        _ = try store.createCall(code: "SA-1", configuration: configuration(kind: kind), as: "sec")
        _ = try store.openCall("SA-1", as: "sec")
        // Grants (issue #5): approvals commit deposited money, so the envelopes are funded in the ledger.
        for (cluster, minor) in [(Cluster.health, Int64(10_000_000)), (.wash, 5_000_000)] {
            try store.deposit(call: "SA-1", cluster: cluster, amount: Money(minorUnits: minor, currency: usd), donor: "ECHO", as: "fm")
        }
        return fund
    }

    var today: LocalDate { LocalDate(Date(), utcOffsetMinutes: 0) }

    static func configuration(kind: CallKind = .standard, envelopes: [Cluster: Int64] = [.health: 10_000_000, .wash: 5_000_000]) -> CallConfiguration {
        CallConfiguration(
            title: "Standard allocation 2026", kind: kind, currency: usd,
            envelopes: envelopes.mapValues { Money(minorUnits: $0, currency: usd) },
            perProposalCeiling: Money(minorUnits: 5_000_000, currency: usd),
            submissionDeadline: Date().addingTimeInterval(30 * 86_400), reviewDeadline: Date().addingTimeInterval(38 * 86_400),
            decisionSLA: kind == .reserve ? .reserveCall : .businessDays(10), scorecard: CallDefaults.scorecard
        )
    }

    static func submission(
        requested: String = "12500.50 USD", cluster: String = "health", title: String = "Cholera response in Garissa",
        organisation: String = "NGO-ALPHA", call: String = "SA-1"
    ) -> ProposalSubmission {
        ProposalSubmission(
            organisation: organisation, call: call, cluster: cluster, title: title, summary: "Water treatment and case management.",
            locations: ["Garissa", "Dadaab"], beneficiaries: 12_000, requested: requested, durationMonths: 6,
            budgetLines: [ProposalSubmission.Line(description: "Everything", amount: requested)]
        )
    }

    /// Puts a proposal in the `scored` state directly (the review commands belong to another issue).
    func markScored(_ reference: String) throws {
        let connection = try database.connect()
        defer { connection.close() }
        try connection.query("UPDATE proposals SET state = 'scored', version = version + 1 WHERE reference = $1", [reference])
    }

    /// A submitted proposal that has been scored, ready for a decision.
    func scoredProposal(requested: String = "12500.50 USD") throws -> ProposalRecord {
        let submitted = try store.submitProposal(Fund.submission(requested: requested), as: "ngo")
        try markScored(submitted.reference)
        return try store.proposal(submitted.reference)
    }

    func count(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> Int {
        let connection = try database.connect()
        defer { connection.close() }
        return try connection.query(sql, parameters).single().decode(0, as: Int.self)
    }
}

/// Runs `body` and returns the `StoreError` it throws (records an issue when it throws nothing or something else).
func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> StoreError? {
    do {
        try body()
        Issue.record("expected a refusal", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
