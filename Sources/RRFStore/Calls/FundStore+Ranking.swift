import Foundation
import Postgres
import RRFWorkflow

/// One line of a cluster's ranking, for people and scripts.
public struct RankingLineRecord: Codable, Sendable, Equatable {
    public let rank: Int
    public let reference: String
    public let organisation: String
    public let title: String
    /// The proposal's state (scored, approved or rejected).
    public let state: String
    public let requested: Money
    public let mean: Score
    public let standardDeviation: Score
    public let isDivergent: Bool
    public let passes: Bool
    /// The requested amounts of the passing proposals ranked so far, this one included if it passes.
    public let cumulativeRequested: Money
    public let withinEnvelope: Bool
}

/// The ranking of one cluster of a call against its envelope.
public struct ClusterRankingRecord: Codable, Sendable, Equatable {
    public let cluster: Cluster
    public let envelope: Money
    public let lines: [RankingLineRecord]
}

/// The rankings of a call, one per funded cluster.
public struct CallRankingRecord: Codable, Sendable, Equatable {
    public let call: String
    public let clusters: [ClusterRankingRecord]
}

extension FundStore {
    /// Ranks the scored (and decided) proposals of a call per cluster by their stored aggregate of the current
    /// round: mean descending, then earlier submission, then smaller reference (``Ranking``), with the running
    /// total of passing requests against the cluster's envelope.
    public func callRanking(_ code: String, cluster: Cluster? = nil) throws -> CallRankingRecord {
        try read("call.ranking") { connection, viewer in
            try viewer.require(.ranking, notFound: StoreError(.forbidden, code: "role_required", "Only the secretariat or a fund manager can see the ranking of a call."))
            let call = try loadCall(code, lock: .unlocked, on: connection)
            // The organisations' codes come from a second, small query: joined here, the planner (which cannot
            // tell how many rows the row-level policy lets through) looped over organisations once per proposal.
            let rows = try connection.query(
                """
                SELECT p.id, p.reference, p.cluster, p.submitted_at, p.requested_minor, p.state, p.title, p.organisation_id,
                       a.mean_hundredths, a.std_dev_hundredths, a.divergent, a.passes
                FROM proposals p
                JOIN review_aggregates a ON a.proposal_id = p.id AND a.round = p.round
                WHERE p.call_id = $1 AND p.state IN ('scored', 'approved', 'rejected') AND ($2::text IS NULL OR p.cluster = $2)
                """,
                [call.id, cluster?.rawValue]
            ).rows
            let organisationIDs = try rows.map { try $0.decode("organisation_id", as: UUID.self) }
            let codes: [UUID: String] = try Dictionary(uniqueKeysWithValues: connection.query(
                "SELECT id, code FROM organisations WHERE id = ANY($1::uuid[])", [Array(Set(organisationIDs))]
            ).rows.map { (try $0.decode("id"), try $0.decode("code")) })
            let currency = call.configuration.currency
            var candidates: [Cluster: [RankingCandidate]] = [:]
            var details: [UUID: (organisation: String, title: String, state: String)] = [:]
            for (row, organisationID) in zip(rows, organisationIDs) {
                let id: UUID = try row.decode("id")
                let candidate = RankingCandidate(
                    proposalID: ProposalID(id), reference: try ProposalReference(parsing: try row.decode("reference")),
                    submittedAt: try row.decode("submitted_at"),
                    requested: Money(minorUnits: try row.decode("requested_minor"), currency: currency),
                    score: RankingScore(
                        mean: Score(hundredths: try row.decode("mean_hundredths")), standardDeviation: Score(hundredths: try row.decode("std_dev_hundredths")),
                        isDivergent: try row.decode("divergent"), passes: try row.decode("passes")
                    )
                )
                candidates[try Cluster.stored(try row.decode("cluster")), default: []].append(candidate)
                details[id] = (codes[organisationID] ?? "", try row.decode("title"), try row.decode("state"))
            }
            let clusters = try call.envelopes.filter { cluster == nil || $0.cluster == cluster }.map { envelope in
                let ranking = try Ranking(candidates: candidates[envelope.cluster] ?? [], envelope: envelope.amount)
                return ClusterRankingRecord(cluster: envelope.cluster, envelope: envelope.amount, lines: ranking.lines.map { line in
                    let score = line.candidate.score
                    let detail = details[line.candidate.proposalID.uuid]
                    return RankingLineRecord(
                        rank: line.rank, reference: line.candidate.reference.description, organisation: detail?.organisation ?? "",
                        title: detail?.title ?? "", state: detail?.state ?? "", requested: line.candidate.requested, mean: score.mean,
                        standardDeviation: score.standardDeviation, isDivergent: score.isDivergent, passes: score.passes,
                        cumulativeRequested: line.cumulativeRequested, withinEnvelope: line.withinEnvelope
                    )
                })
            }
            return CallRankingRecord(call: call.code, clusters: clusters)
        }
    }
}
