import Foundation
import RRFStore
import RRFWorkflow

// The objects the API answers with, one per record of the store, written out so that their JSON is the
// documented one (openapi.json, `components.schemas`) and not whatever a Swift type's synthesised coding makes
// of it. Money is always an `APIMoney`; scores are decimal text; times ISO 8601 in UTC; dates `YYYY-MM-DD`.

/// An amount: `{"amount": "12500.50", "currency": "USD", "minorUnits": 1250050}`. `amount` is exact decimal
/// text in the currency's minor unit; `minorUnits` the same amount as an integer.
struct APIMoney: Encodable, Equatable {
    let amount: String
    let currency: String
    let minorUnits: Int64

    init(_ money: Money) {
        amount = money.amountText(grouped: false)
        currency = money.currency.code
        minorUnits = money.minorUnits
    }
}

/// An amount in a request body: `{"amount": "12500.50", "currency": "USD"}` (`minorUnits`, when sent back
/// from an answer, is ignored: the decimal text is what counts).
struct APIMoneyInput: Decodable, Sendable {
    let amount: String
    let currency: String

    /// The amount, parsed exactly.
    /// - Throws: the refusals of `Money(amount:currencyCode:)` (`amount_not_a_number`, `currency_unknown` …).
    func money() throws(WorkflowRejection) -> Money { try Money(amount: amount, currencyCode: currency) }

    /// The amount as the store's text form, `12500.50 USD`, for inputs the store parses itself.
    var text: String { "\(amount) \(currency)" }
}

/// The signed-in person (`GET /me`), or any user.
struct APIUser: Encodable {
    let login: String
    let displayName: String
    let email: String?
    let roles: [String]
    let organisations: [String]
    let active: Bool
    let version: Int

    init(_ user: UserRecord) {
        login = user.login
        displayName = user.displayName
        email = user.email
        roles = user.roles.map(\.rawValue)
        organisations = user.organisations
        active = user.active
        version = user.version
    }
}

/// A partner organisation with its due diligence.
struct APIOrganisation: Encodable {
    let code: String
    let name: String
    let country: String
    let state: String
    let risk: String?
    let assessedOn: String?
    let dueDiligenceExpires: String?
    let ineligibleUntil: String?
    let reason: String?
    let version: Int

    init(_ record: OrganisationRecord) {
        code = record.code
        name = record.name
        country = record.country
        state = record.state
        risk = record.risk?.rawValue
        assessedOn = record.assessedOn?.description
        dueDiligenceExpires = record.dueDiligenceExpires?.description
        ineligibleUntil = record.ineligibleUntil?.description
        reason = record.reason
        version = record.version
    }
}

/// A call (allocation) with its envelopes and configuration.
struct APICall: Encodable {
    /// A cluster's envelope and what approvals committed of it.
    struct Envelope: Encodable {
        let cluster: String
        let amount: APIMoney
        let committed: APIMoney
        let uncommitted: APIMoney
    }

    /// The time the fund manager has to decide: `{"unit": "business_hours" | "business_days", "amount": n}`.
    struct DecisionSLA: Encodable {
        let unit: String
        let amount: Int

        init(_ sla: RRFWorkflow.DecisionSLA) {
            switch sla {
            case .businessHours(let hours): (unit, amount) = ("business_hours", hours)
            case .businessDays(let days): (unit, amount) = ("business_days", days)
            }
        }
    }

    /// The peer review scorecard.
    struct Scorecard: Encodable {
        struct Criterion: Encodable {
            let id: String
            let title: String
            let weight: Int
            let maxScore: Int
        }

        let criteria: [Criterion]
        let passThreshold: Int
        let commentFloorPercent: Int
    }

    let code: String
    let title: String
    let kind: String
    let state: String
    let currency: String
    let envelopes: [Envelope]
    let perProposalCeiling: APIMoney
    let submissionDeadline: Date
    let reviewDeadline: Date
    let decisionSLA: DecisionSLA
    let scorecard: Scorecard
    let quorum: Int
    let divergenceSpread: Int
    let version: Int

    init(_ record: CallRecord) {
        let configuration = record.configuration
        code = record.code
        title = configuration.title
        kind = configuration.kind.rawValue
        state = record.state
        currency = configuration.currency.code
        envelopes = record.envelopes.map {
            Envelope(cluster: $0.cluster.rawValue, amount: APIMoney($0.amount), committed: APIMoney($0.committed), uncommitted: APIMoney($0.uncommitted))
        }
        perProposalCeiling = APIMoney(configuration.perProposalCeiling)
        submissionDeadline = configuration.submissionDeadline
        reviewDeadline = configuration.reviewDeadline
        decisionSLA = DecisionSLA(configuration.decisionSLA)
        scorecard = Scorecard(
            criteria: configuration.scorecard.criteria.map { Scorecard.Criterion(id: $0.id, title: $0.title, weight: $0.weight, maxScore: $0.maxScore) },
            passThreshold: configuration.scorecard.passThreshold, commentFloorPercent: configuration.scorecard.commentFloorPercent
        )
        quorum = configuration.quorum
        divergenceSpread = configuration.divergenceSpread
        version = record.version
    }
}

/// A call's ranking, per funded cluster, with the running total of passing requests against the envelope.
struct APIRanking: Encodable {
    struct ClusterRanking: Encodable {
        let cluster: String
        let envelope: APIMoney
        let lines: [Line]
    }

    struct Line: Encodable {
        let rank: Int
        let reference: String
        let organisation: String
        let title: String
        let state: String
        let requested: APIMoney
        /// Decimal text, e.g. `72.50`.
        let mean: String
        let standardDeviation: String
        let isDivergent: Bool
        let passes: Bool
        let cumulativeRequested: APIMoney
        let withinEnvelope: Bool
    }

    let call: String
    let clusters: [ClusterRanking]

    init(_ record: CallRankingRecord) {
        call = record.call
        clusters = record.clusters.map { cluster in
            ClusterRanking(cluster: cluster.cluster.rawValue, envelope: APIMoney(cluster.envelope), lines: cluster.lines.map {
                Line(
                    rank: $0.rank, reference: $0.reference, organisation: $0.organisation, title: $0.title, state: $0.state, requested: APIMoney($0.requested),
                    mean: $0.mean.description, standardDeviation: $0.standardDeviation.description, isDivergent: $0.isDivergent, passes: $0.passes,
                    cumulativeRequested: APIMoney($0.cumulativeRequested), withinEnvelope: $0.withinEnvelope
                )
            })
        }
    }
}
