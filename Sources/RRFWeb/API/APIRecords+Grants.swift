import Foundation
import RRFStore
import RRFWorkflow

/// A grant: the agreement of an approved proposal (same reference).
struct APIGrant: Encodable {
    let reference: String
    let organisation: String
    let call: String
    let cluster: String
    let amount: APIMoney
    let risk: String
    let startDate: String
    let endDate: String
    let state: String
    let signedOn: String?
    let signatory: String?
    let reason: String?
    let refund: APIMoney?
    let policyVersion: Int?
    let version: Int

    init(_ record: GrantRecord) {
        reference = record.reference
        organisation = record.organisation
        call = record.call
        cluster = record.cluster.rawValue
        amount = APIMoney(record.amount)
        risk = record.risk.rawValue
        startDate = record.startDate.description
        endDate = record.endDate.description
        state = record.state
        signedOn = record.signedOn?.description
        signatory = record.signatory
        reason = record.reason
        refund = record.refund.map(APIMoney.init)
        policyVersion = record.policyVersion
        version = record.version
    }
}

/// A tranche of a grant, with what it still waits for.
struct APITranche: Encodable {
    let grant: String
    let sequence: Int
    let amount: APIMoney
    let state: String
    /// The unmet conditions at the last evaluation, as sentences.
    let unmet: [String]
    let approvedBy: String?
    let approvedAt: Date?
    let releasedBy: String?
    let releasedAt: Date?
    let cancelReason: String?
    let version: Int

    init(_ record: TrancheRecord) {
        grant = record.grant
        sequence = record.sequence
        amount = APIMoney(record.amount)
        state = record.state
        unmet = record.unmet
        approvedBy = record.approvedBy
        approvedAt = record.approvedAt
        releasedBy = record.releasedBy
        releasedAt = record.releasedAt
        cancelReason = record.cancelReason
        version = record.version
    }
}

/// The answer to a release: the first result for its idempotency key, `replayed` when it repeats it.
struct APIRelease: Encodable {
    let grant: String
    let sequence: Int
    let amount: APIMoney
    let releasedBy: String
    let releasedAt: Date
    let idempotencyKey: String
    let ledgerTransaction: Int64
    let replayed: Bool

    init(_ record: TrancheRelease) {
        grant = record.grant
        sequence = record.sequence
        amount = APIMoney(record.amount)
        releasedBy = record.releasedBy
        releasedAt = record.releasedAt
        idempotencyKey = record.idempotencyKey
        ledgerTransaction = record.ledgerTransactionID
        replayed = record.replayed
    }
}

/// One account of the ledger with its balance, e.g. `envelope:SA-1:health`.
struct APILedgerAccount: Encodable {
    let code: String
    /// donor | envelope | committed | released | refunds
    let kind: String
    let balance: APIMoney

    init(_ record: LedgerAccountBalance) {
        code = record.code
        kind = record.kind
        balance = APIMoney(record.balance)
    }
}

/// The ledger's accounts with their balances.
struct APILedgerBalances: Encodable {
    let accounts: [APILedgerAccount]

    init(_ balances: [LedgerAccountBalance]) {
        accounts = balances.map(APILedgerAccount.init)
    }
}

/// The fund's KPIs (durations in business hours and days, rates in percent, money as ``APIMoney``).
struct APIKPIs: Encodable {
    struct Durations: Encodable {
        let count: Int
        let medianBusinessHours: Double?
        let p90BusinessHours: Double?
        let medianBusinessDays: Double?
        let p90BusinessDays: Double?
        let withinSLA: Int
        let withinSLAPercent: Double?

        init(_ statistics: FundKPIs.DurationStatistics) {
            count = statistics.count
            medianBusinessHours = statistics.medianBusinessHours
            p90BusinessHours = statistics.p90BusinessHours
            medianBusinessDays = statistics.medianBusinessDays
            p90BusinessDays = statistics.p90BusinessDays
            withinSLA = statistics.withinSLA
            withinSLAPercent = statistics.withinSLAPercent
        }
    }

    struct ApprovalRate: Encodable {
        let cluster: String
        let approved: Int
        let rejected: Int
        let ineligible: Int
        let approvalRatePercent: Double?
    }

    struct EnvelopeUse: Encodable {
        let call: String
        let cluster: String
        let envelope: APIMoney
        let committed: APIMoney
        let usePercent: Double?
    }

    struct Disbursement: Encodable {
        let committed: APIMoney
        let released: APIMoney
        let ratePercent: Double?
    }

    struct TrainedStaff: Encodable {
        let organisation: String
        let gender: String
        let people: Int
    }

    let proposalsByState: [String: Int]
    let timeToDecision: [String: Durations]
    let approvalRates: [ApprovalRate]
    let envelopeUse: [EnvelopeUse]
    let timeToFirstDisbursement: [String: Durations]
    let disbursement: [Disbursement]
    let overdueReports: Int
    let trainedStaff: [TrainedStaff]

    init(_ kpis: FundKPIs) {
        proposalsByState = kpis.proposalsByState
        timeToDecision = kpis.timeToDecision.mapValues(Durations.init)
        approvalRates = kpis.approvalRates.map {
            ApprovalRate(cluster: $0.cluster.rawValue, approved: $0.approved, rejected: $0.rejected, ineligible: $0.ineligible, approvalRatePercent: $0.approvalRatePercent)
        }
        envelopeUse = kpis.envelopeUse.map {
            EnvelopeUse(call: $0.call, cluster: $0.cluster.rawValue, envelope: APIMoney($0.envelope), committed: APIMoney($0.committed), usePercent: $0.usePercent)
        }
        timeToFirstDisbursement = kpis.timeToFirstDisbursement.mapValues(Durations.init)
        disbursement = kpis.disbursement.map { Disbursement(committed: APIMoney($0.committed), released: APIMoney($0.released), ratePercent: $0.ratePercent) }
        overdueReports = kpis.overdueReports
        trainedStaff = kpis.trainedStaff.map { TrainedStaff(organisation: $0.organisation, gender: $0.gender, people: $0.people) }
    }
}

/// A report a grant owes, with what the organisation reported.
struct APIReport: Encodable {
    struct Spending: Encodable {
        let line: String
        /// As the organisation gave it, e.g. `1200.00 USD`.
        let amount: String
    }

    let grant: String
    let sequence: Int
    /// interim | final
    let kind: String
    let periodStart: String
    let periodEnd: String
    let dueDate: String
    let state: String
    let overdue: Bool
    let narrative: String?
    /// Cumulative money spent up to the end of the period.
    let spent: APIMoney?
    let spending: [Spending]
    let comment: String?
    let version: Int

    init(_ record: ReportRecord) {
        grant = record.grant
        sequence = record.sequence
        kind = record.kind.rawValue
        periodStart = record.periodStart.description
        periodEnd = record.periodEnd.description
        dueDate = record.dueDate.description
        state = record.state
        overdue = record.overdue
        narrative = record.narrative
        spent = record.spent.map(APIMoney.init)
        spending = record.spendingLines.map { Spending(line: $0.line, amount: $0.amount) }
        comment = record.comment
        version = record.version
    }
}

/// One event of the audit log: what happened to a stream, by whom, with its hash chain.
struct APIAuditEvent: Encodable {
    /// The aggregate, e.g. `grant:RRF-2026-0001`.
    let stream: String
    let sequence: Int
    /// e.g. `tranche.released`.
    let type: String
    let actor: String
    let occurredAt: Date
    /// The event's canonical JSON text, exactly as hashed.
    let payload: String
    let previousHash: String
    let hash: String

    init(_ event: AuditEvent) {
        stream = event.stream
        sequence = event.sequence
        type = event.type
        actor = event.actor
        occurredAt = event.occurredAt
        payload = event.payload
        previousHash = event.previousHash
        hash = event.hash
    }
}
