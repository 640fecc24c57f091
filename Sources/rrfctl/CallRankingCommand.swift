import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

extension CallCommand {
    /// `rrfctl call ranking <call>`: the scored proposals per cluster against the envelope.
    struct Ranking: StoreQuery {
        static let configuration = CommandConfiguration(
            commandName: "ranking",
            abstract: "Rank a call's scored proposals per cluster, with the running total of passing requests against the envelope.",
            discussion: "Order: mean score descending; ties go to the earlier submission, then to the smaller reference."
        )
        @Argument(help: "The call's code.") var code: String
        @Option(help: "Only this cluster.") var cluster: String?
        @OptionGroup var options: ReadOptions

        func validate() throws { try requireOneOf(cluster?.lowercased(), Cluster.allCases.map(\.rawValue), option: "--cluster") }

        func perform(_ store: FundStore) throws -> CallRankingRecord {
            let clusterFilter = try cluster.map { text in try parsed { () throws(WorkflowRejection) in try Cluster(code: text.lowercased()) } }
            return try store.callRanking(code, cluster: clusterFilter)
        }

        func show(_ ranking: CallRankingRecord) {
            for (index, cluster) in ranking.clusters.enumerated() {
                if index > 0 { print("") }
                print("\(cluster.cluster.displayName): envelope \(cluster.envelope.grouped)")
                var table = TextTable("RANK", "REFERENCE", "ORGANISATION", "MEAN", "STD DEV", "DIVERGENT", "PASSES", "REQUESTED", "CUMULATIVE", "WITHIN ENVELOPE", "STATE")
                for line in cluster.lines {
                    table.add(
                        "\(line.rank)", line.reference, line.organisation, line.mean.description, line.standardDeviation.description,
                        line.isDivergent ? "yes" : "", line.passes ? "yes" : "no", line.requested.grouped, line.cumulativeRequested.grouped,
                        line.withinEnvelope ? "yes" : "no", line.state
                    )
                }
                print(table.render())
            }
        }
    }
}
