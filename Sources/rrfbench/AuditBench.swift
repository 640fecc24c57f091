import BenchSummary
import Foundation
import Postgres
import RRFStore

// `rrfbench audit`: how fast `audit verify` recomputes the hash chains, beside the same check done by
// PostgreSQL itself in one query (sha256() and window functions), on one throwaway cluster in one run.

/// Runs the audit benchmark: `swift run -c release rrfbench audit [--events 1000000] [--per-stream 10] [--runs 3]`.
func runAuditBenchmark(events: Int, perStream: Int, runs: Int) throws {
    let command = "swift run -c release rrfbench audit --events \(events) --per-stream \(perStream) --runs \(runs)"
    let bench = try BenchCluster(applicationName: "rrfbench-audit")
    defer { bench.stop() }
    let database = bench.database, connection = bench.connection

    let generated = Date()
    try generateEvents(events, perStream: perStream, on: connection)
    try connection.execute("VACUUM ANALYZE audit_events")
    let size: String = try connection.query("SELECT pg_size_pretty(pg_total_relation_size('audit_events')) AS size").single().decode("size")
    print("generated \(events) events in \((events + perStream - 1) / perStream) streams through audit_append in "
          + String(format: "%.1f s", Date().timeIntervalSince(generated))
          + " (audit_events with its indexes: \(size)); \(ProcessInfo.processInfo.activeProcessorCount) cores")

    var swift: [Double] = []
    var sql: [Double] = []
    for _ in 0..<runs {
        let verifier = try Connection(database)
        defer { verifier.close() }
        let started = Date()
        let breaks = try AuditLog.verify(on: verifier)
        swift.append(Double(events) / Date().timeIntervalSince(started))
        guard breaks.isEmpty else { throw PostgresError(.misuse, "the generated log does not verify: \(breaks[0])") }

        let queried = Date()
        let checked = try connection.query(sqlChainCheck).single()
        sql.append(Double(events) / Date().timeIntervalSince(queried))
        guard try checked.decode("events", as: Int64.self) == Int64(events), try checked.decode("broken", as: Int64.self) == 0 else {
            throw PostgresError(.misuse, "the SQL chain check disagrees with the log")
        }
    }
    let verifier = median(swift), baseline = median(sql)
    print(String(format: "audit verify (AuditLog.verify): %.0f events/s", verifier) + " (median of \(runs) runs: \(rates(swift)))")
    print(String(format: "baseline, the same check as one SQL query (sha256, window functions): %.0f events/s", baseline)
          + " (runs: \(rates(sql)))")
    print(String(format: "ratio: %.2f× the SQL query", verifier / baseline))
    print("reproduce both: \(command)")
    BenchFigure(
        "audit verify, \(events) events", result: String(format: "%.0f events/s", verifier),
        baseline: String(format: "the same check as one SQL query %.0f events/s (%.2f×)", baseline, verifier / baseline),
        target: "≥ 200,000 events/s", met: verifier >= 200_000, command: command
    ).record()
    try timeRRFCtl(url: bench.cluster.connectionURL(), events: events)
}

/// Appends `count` events, `perStream` per stream, through the real `audit_append` in set-based statements: each
/// statement (one transaction, holding one advisory lock per stream) appends the events of 5,000 streams, as
/// JSON payloads of 100–250 bytes with quotes, backslashes, escaped line breaks and non-ASCII text.
private func generateEvents(_ count: Int, perStream: Int, on connection: Connection) throws {
    let streamsPerStatement = 5_000
    let streams = (count + perStream - 1) / perStream
    var first = 0
    while first < streams {
        let last = min(first + streamsPerStatement, streams) - 1
        try connection.query("""
            SELECT count(audit_append(
                'proposal:RRF-' || lpad(s::text, 8, '0'), 'proposal.event.' || n, 'amina.yusuf',
                1790000000000000 + (s::bigint * $3 + n) * 1000,
                json_build_object('amount', s * 100 + n, 'memo', 'Tranche "' || n || '" \\ reçu' || chr(10) || chr(9) || 'fin – ok',
                                  'proposal', 'RRF-2026-' || s, 'reason', repeat('x', 60 + (s % 80)))::text))
            FROM generate_series(1, $3::int) n, generate_series($1::int, $2::int) s
            WHERE s::bigint * $3 + n <= $4::bigint
            """, [first, last, perStream, count])
        first = last + 1
    }
}

/// Every chain recomputed by PostgreSQL in one statement: the same conditions as `AuditLog.verify` (sequence,
/// previous hash, growing ids, version 2 hash as `audit_event_hash` writes it, inlined).
let sqlChainCheck = """
    SELECT count(*) AS events, count(*) FILTER (WHERE NOT ok) AS broken FROM (
        SELECT e.sequence = row_number() OVER w
           AND e.previous_hash = coalesce(lag(e.hash) OVER w, repeat('0', 64))
           AND e.id > coalesce(lag(e.id) OVER w, 0)
           AND e.hash = encode(sha256(convert_to(
                   e.previous_hash || E'\\n[' || e.id::text || ',' || to_json(e.stream)::text || ',' || e.sequence::text || ','
                   || to_json(e.event_type)::text || ',' || to_json(e.actor)::text || ','
                   || ((extract(epoch FROM e.occurred_at) * 1000000)::bigint)::text || ','
                   || ((extract(epoch FROM e.recorded_at) * 1000000)::bigint)::text || ',' || to_json(e.payload)::text || ']',
                   'UTF8')), 'hex') AS ok
        FROM audit_events e
        WINDOW w AS (PARTITION BY e.stream ORDER BY e.sequence)
    ) checked
    """

/// Times the real `rrfctl audit verify` (chains and ledger, one process) when it was built beside rrfbench.
private func timeRRFCtl(url: String, events: Int) throws {
    let rrfctl = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rrfctl").path
    guard FileManager.default.isExecutableFile(atPath: rrfctl) else {
        print("rrfctl audit verify: skipped (build it first: swift build -c release --product rrfctl)")
        return
    }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-audit-\(getpid()).txt").path
    defer { try? FileManager.default.removeItem(atPath: output) }
    let started = Date()
    let status = try Subprocess.run(rrfctl, ["audit", "verify", "--json", "--database-url", url], outputPath: output)
    let seconds = Date().timeIntervalSince(started)
    guard status == 0 else { throw PostgresError(.misuse, "rrfctl audit verify exited with \(status): \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")") }
    print(String(format: "rrfctl audit verify --json (process, chains and ledger): %.2f s, %.0f events/s", seconds, Double(events) / seconds))
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

private func rates(_ values: [Double]) -> String { values.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
