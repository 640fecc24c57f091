import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// The store's list pages on the seeded fund, as the fund manager reads them (every proposal visible): the
/// first page, a page halfway down by keyset cursor, a filtered page and the call's ranking, beside the baseline of how lists
/// paged before keyset paging (the same depth by `OFFSET`, the whole list counted by `count(*) OVER ()`).
enum ListPageBench {
    /// One timing: the median and the slowest of `runs` calls, in milliseconds.
    struct Timing {
        let name: String
        let median: Double
        let slowest: Double
        let note: String
    }

    static func run(_ fund: BenchFund, _ cluster: ThrowawayCluster, proposals count: Int, runs: Int = 21) throws -> [Timing] {
        let store = fund.store.signedIn(token: fund.sessions["fm"]!, channel: .web)
        let connection = try Connection(cluster.configuration(applicationName: "rrfwebbench-lists"))
        defer { connection.close() }
        let depth = count / 2
        // The reference just before the page halfway down: what a cursor handed out there would hold.
        let middle = try connection.query("SELECT reference FROM proposals ORDER BY reference OFFSET $1 LIMIT 1", [depth - 1]).single().decode(0, as: String.self)
        let cursor = PageCursor(values: [middle])
        var timings: [Timing] = []
        let first = try time("proposal list, first page (50)", runs) { try store.proposals(ProposalFilter(limit: 50)) }
        timings.append(first.timing("total \(first.page.totalIsEstimate ? "about " : "")\(first.page.total)"))
        let deep = try time("proposal list, page at row \(depth) (keyset)", runs) { try store.proposals(ProposalFilter(limit: 50, after: cursor)) }
        timings.append(deep.timing("starts at \(deep.page.first?.reference ?? "-")"))
        let filtered = try time("proposal list, state scored, cluster health (50)", runs) {
            try store.proposals(ProposalFilter(state: "scored", cluster: .health, limit: 50))
        }
        timings.append(filtered.timing("total \(filtered.page.totalIsEstimate ? "about " : "")\(filtered.page.total)"))
        let ranking = try time("call ranking of SA-1 (every scored proposal)", runs) { () -> Page<Int> in
            let lines = try store.callRanking("SA-1").clusters.map(\.lines.count)
            return Page(total: lines.reduce(0, +), limit: 0, next: nil, items: lines)
        }
        timings.append(ranking.timing("\(ranking.page.total) lines"))
        let baseline = try time("baseline: same deep page by OFFSET + count(*) OVER ()", runs) { () -> Page<String> in
            let rows = try connection.query(
                """
                SELECT count(*) OVER () AS page_total, p.reference, p.title, o.code, c.code FROM proposals p
                JOIN organisations o ON o.id = p.organisation_id JOIN calls c ON c.id = p.call_id
                ORDER BY p.reference LIMIT 51 OFFSET $1
                """,
                [depth]
            ).rows
            return Page(total: try rows.first?.decode("page_total", as: Int.self) ?? 0, limit: 50, next: nil, items: try rows.map { try $0.decode("reference") })
        }
        timings.append(baseline.timing("starts at \(baseline.page.first ?? "-")"))
        timings.append(try rankingDatabaseTime(connection, runs))
        return timings
    }

    /// The server's execution time of the ranking's query (`FundStore.callRanking`'s, keep the two alike) in
    /// the fund manager's transaction (role `rrf_app`, scope `fund`, so the row-level policy applies), from
    /// `EXPLAIN ANALYZE`: issue 19's target for the ranking is database time.
    private static func rankingDatabaseTime(_ connection: Connection, _ runs: Int) throws -> Timing {
        let explain = """
            EXPLAIN (ANALYZE, FORMAT JSON)
            SELECT p.id, p.reference, p.cluster, p.submitted_at, p.requested_minor, p.state, p.title, p.organisation_id,
                   a.mean_hundredths, a.std_dev_hundredths, a.divergent, a.passes
            FROM proposals p
            JOIN review_aggregates a ON a.proposal_id = p.id AND a.round = p.round
            WHERE p.call_id = (SELECT id FROM calls WHERE code = 'SA-1') AND p.state IN ('scored', 'approved', 'rejected')
                AND ($1::text IS NULL OR p.cluster = $1)
            """
        var milliseconds: [Double] = []
        for _ in 0...runs {
            try connection.withTransaction { connection in
                try connection.query("SELECT set_config('role', 'rrf_app', true), set_config('rrf.scope', 'fund', true)")
                let plan = try connection.query(explain, [String?.none]).single().decode(0, as: String.self)
                let report = try JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [[String: Any]]
                milliseconds.append(report?.first?["Execution Time"] as? Double ?? .nan)
            }
        }
        milliseconds = Array(milliseconds.dropFirst()).sorted()
        return Timing(name: "call ranking, its query's database time", median: milliseconds[milliseconds.count / 2],
                      slowest: milliseconds.last ?? 0, note: "EXPLAIN ANALYZE as rrf_app")
    }

    /// Runs `body` `runs` times (after one warm-up call) and keeps its last page.
    private static func time<Item>(_ name: String, _ runs: Int, _ body: () throws -> Page<Item>) throws -> (page: Page<Item>, timing: (String) -> Timing) {
        var page = try body()
        var milliseconds: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            page = try body()
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        milliseconds.sort()
        let result = page
        return (result, { Timing(name: name, median: milliseconds[milliseconds.count / 2], slowest: milliseconds.last ?? 0, note: $0) })
    }
}
