import BenchSummary
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import NIOCore
import Postgres
import RRFStore
import RRFWeb

// rrfwebbench: rrfweb under a bounded load (wrk) over loopback on a fund of --proposals proposals (default
// 100,000), beside a minimal Hummingbird "hello" route served by the same process as the ceiling.
// First it times the store's list pages on that fund (keyset pages beside the OFFSET baseline); --lists-only
// stops there.
// Usage: swift run -c release rrfwebbench [--proposals 100000] [--seconds 10] [--connections 8] [--lists-only]
// Needs wrk (apt-get install wrk) unless --lists-only. Run from the repository root (migrations are read from ./sql).

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else { return value }
    return parsed
}

if CommandLine.arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
    print("""
        rrfwebbench: rrfweb under wrk over loopback on a throwaway durable PostgreSQL, beside a Hummingbird "hello" ceiling.
        It first times the store's list pages on that fund (keyset pages beside the OFFSET baseline).
        usage: rrfwebbench [--proposals N (100000)] [--seconds S (10)] [--connections C (8)] [--lists-only]
        Needs wrk and curl on PATH unless --lists-only; run from the repository root (migrations are read from ./sql).
        """)
    exit(0)
}
let proposals = option("--proposals", default: 100_000)
let seconds = option("--seconds", default: 10)
let connections = option("--connections", default: 8)

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .error
    return handler
}

/// Serves `router` on a free loopback port until the task is cancelled; answers the port once it listens.
func serve<Context: RequestContext>(_ router: Router<Context>, name: String) async throws -> (port: Int, task: Task<Void, any Error>)
where Context.Source == ApplicationRequestContextSource {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: name),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }
    )
    let task = Task { try await app.run() }
    for await port in ports { return (port, task) }
    throw CancellationError()
}

print("starting a throwaway PostgreSQL and seeding \(proposals) proposals …")
let cluster = try ThrowawayCluster.start(options: .init(durable: true))
defer { cluster.stop() }
let setup = try Connection(cluster.configuration(applicationName: "rrfwebbench"))
_ = try SchemaFiles.migrator().migrate(on: setup)
setup.close()
let seeding = Date()
let fund = try BenchFund.seed(cluster, proposals: proposals)
print(String(format: "seeded in %.1f s", Date().timeIntervalSince(seeding)))

#if DEBUG
let build = "debug build (figures for comparison only; measure with -c release)"
#else
let build = "release build"
#endif
print("\nstore list pages as the fund manager, \(proposals) proposals, median (slowest) of 21 calls, \(build)")
print("reproduce: swift run -c release rrfwebbench --proposals \(proposals) --lists-only")
let timings = try ListPageBench.run(fund, cluster, proposals: proposals)
for timing in timings {
    print(timing.name.padding(toLength: 58, withPad: " ", startingAt: 0) + String(format: "  %8.2f ms (%.2f)  ", timing.median, timing.slowest) + timing.note)
}
let (baselines, pages) = (timings.filter { $0.name.hasPrefix("baseline") }, timings.filter { !$0.name.hasPrefix("baseline") })
BenchFigure(
    "store list pages and the ranking, \(proposals) proposals (median of 21, client time included)",
    result: pages.map { "\($0.name) \(String(format: "%.1f", $0.median)) ms" }.joined(separator: "; "),
    baseline: baselines.map { "\($0.name.dropFirst("baseline: ".count)) \(String(format: "%.1f", $0.median)) ms" }.joined(separator: "; "),
    target: "< 50 ms each", met: pages.allSatisfy { $0.median < 50 },
    command: "swift run -c release rrfwebbench --proposals \(proposals) --lists-only"
).record()
if CommandLine.arguments.contains("--lists-only") { exit(0) }

var configuration = WebConfiguration()
configuration.signInAttemptsPerMinute = 1_000_000
let runner = StoreRunner(store: fund.store, threads: 8)
let portal = Portal(runner: runner, pages: try await Pages.load(utcOffsetMinutes: 0), configuration: configuration, migrator: try SchemaFiles.migrator())
let (port, server) = try await serve(portal.router(), name: "rrfweb")
let hello = Router()
hello.get("/hello") { _, _ in "hello" }
let (helloPort, helloServer) = try await serve(hello, name: "hello")

// The sign-in form's POST as wrk sends it: its CSRF pair from a real GET of /login.
let login = URL(string: "http://127.0.0.1:\(port)/login")!
let (_, page) = try await URLSession.shared.data(from: login)
let pair = ((page as? HTTPURLResponse)?.value(forHTTPHeaderField: "Set-Cookie") ?? "").split(separator: ";").first.map { String($0.split(separator: "=", maxSplits: 1).last ?? "") } ?? ""
let script = FileManager.default.temporaryDirectory.appendingPathComponent("rrfwebbench-login-\(UUID().uuidString).lua")
try """
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Cookie"] = "rrf_signin=\(pair)"
    wrk.body = "csrf=\(pair)&login=ngo&password=\(BenchFund.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
    """.write(to: script, atomically: true, encoding: .utf8)
defer { try? FileManager.default.removeItem(at: script) }

let base = "http://127.0.0.1:\(port)"
// Each page once before the load (and after it), with curl (FoundationNetworking drops a Cookie header set by
// hand): a benchmark of error pages or redirects would measure nothing.
func probe() throws {
    for (path, header) in [
        ("/", "Cookie: rrf_session=\(fund.sessions["ngo"]!)"), ("/calls/SA-1/ranking", "Cookie: rrf_session=\(fund.sessions["fm"]!)"),
        ("/api/v1/proposals?limit=50", "Authorization: Bearer \(fund.apiToken)"),
    ] {
        let status = try LoadRun.output(of: ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", header, base + path]).1
        if status != "200" { print("warning: \(path) answers \(status); its figures below measure an error") }
    }
}
try probe()
let runs = [
    try LoadRun.run("hello (ceiling)", url: "http://127.0.0.1:\(helloPort)/hello", seconds: seconds, connections: connections),
    try LoadRun.run("NGO dashboard (GET /)", url: "\(base)/", headers: ["Cookie: rrf_session=\(fund.sessions["ngo"]!)"], seconds: seconds, connections: connections),
    try LoadRun.run("ranking (GET /calls/SA-1/ranking)", url: "\(base)/calls/SA-1/ranking", headers: ["Cookie: rrf_session=\(fund.sessions["fm"]!)"], seconds: seconds, connections: connections),
    try LoadRun.run("API proposal list (GET /api/v1/proposals?limit=50)", url: "\(base)/api/v1/proposals?limit=50", headers: ["Authorization: Bearer \(fund.apiToken)"], seconds: seconds, connections: connections),
    // Last but the ceiling: sign-ins that wrk gave up on (its 2 s timeout) still finish their password hash
    // afterwards, and would take the cores from the pages measured next.
    try LoadRun.run("login (POST /login)", url: "\(base)/login", script: script.path, seconds: seconds, connections: connections),
    try LoadRun.run("hello again (ceiling)", url: "http://127.0.0.1:\(helloPort)/hello", seconds: seconds, connections: connections),
]
try probe()
server.cancel()
helloServer.cancel()

print("\nrrfweb over loopback, \(proposals) proposals, wrk -t 2 -c \(connections) -d \(seconds)s (timeout 2 s), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(build)")
print("reproduce: swift run -c release rrfwebbench --proposals \(proposals) --seconds \(seconds) --connections \(connections)")
print("name".padding(toLength: 50, withPad: " ", startingAt: 0) + "  req/s      p50       p99    failed (non-2xx/3xx, socket errors, timeouts)")
for run in runs {
    print(run.name.padding(toLength: 50, withPad: " ", startingAt: 0) + String(format: "  %8.1f", run.requestsPerSecond) + "  " + run.p50.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + run.p99.padding(toLength: 8, withPad: " ", startingAt: 0) + "  \(run.failures)")
}
let ceiling = max(runs[0].requestsPerSecond, runs[runs.count - 1].requestsPerSecond)
for run in runs.dropFirst().dropLast() {
    BenchFigure(
        "portal \(run.name), \(proposals) proposals, wrk -c \(connections)",
        result: String(format: "%.1f req/s", run.requestsPerSecond) + ", p50 \(run.p50), p99 \(run.p99), \(run.failures) failed",
        baseline: String(format: "bare Hummingbird route %.0f req/s (%.3f×)", ceiling, run.requestsPerSecond / ceiling),
        target: "≥ 0.5× the bare route", met: run.requestsPerSecond / ceiling >= 0.5,
        command: "swift run -c release rrfwebbench --proposals \(proposals) --seconds \(seconds) --connections \(connections)"
    ).record()
}
print("\neach run (secrets shown as placeholders; the bench makes them):")
for run in runs { print("  \(run.shellLine)") }
try await runner.shutdown()
