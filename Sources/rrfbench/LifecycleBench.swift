import BenchSummary
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `rrfbench lifecycle`: proposals through their whole lifecycle by the store (submit → screen → three reviewers
/// assigned and scoring → the daemon's aggregation → decide → sign → tranches evaluated → first tranche approved by the fund manager and
/// released by finance, four eyes; every command audited and chained), beside a replay of the very statements
/// the store sent, parameters and all, read back from the server's log (`log_statement = all`) and run by psql
/// in one session on a copy of the database taken before the run. The store is timed on as many proposals
/// again after the captured run, without the logging the replay does not pay either. The replay pays no Swift, no decoding and no
/// round trip per statement beyond psql's; it is issue 19's "pgbench replay of the same writes", done with the
/// store's own statements so that the two cannot drift apart.
enum LifecycleBench {
    static let reviewers = ["rev-a", "rev-b", "rev-c"]

    static func run(proposals: Int, concurrency: Int) throws {
        let bench = try BenchCluster(applicationName: "rrfbench-lifecycle")
        defer { bench.stop() }
        // The fund lives in its own database, so that nothing but the store's statements is captured.
        try bench.connection.execute("CREATE DATABASE fund")
        let fund = bench.cluster.configuration(database: "fund", applicationName: "rrfbench-lifecycle")
        let setup = try Connection(fund)
        try Migrator(directory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sql")).migrate(on: setup)
        setup.close()
        var pool = ConnectionPool(configuration: fund, maximumConnections: 2)
        try seed(FundStore(pool: pool, logLevel: "critical"))
        pool.shutdown()
        try bench.connection.execute("CREATE DATABASE fund_replay TEMPLATE fund")

        try bench.connection.execute("ALTER SYSTEM SET log_line_prefix = '@@%p@@ '")
        try bench.connection.execute("SELECT pg_reload_conf()")
        try bench.connection.execute("ALTER DATABASE fund SET log_statement = 'all'")
        Thread.sleep(forTimeInterval: 0.5)  // the server has read the new prefix
        let log = bench.cluster.directory + "/server.log"
        let logStart = (try FileManager.default.attributesOfItem(atPath: log)[.size] as? NSNumber)?.intValue ?? 0
        pool = ConnectionPool(configuration: fund, maximumConnections: 2)
        let store = FundStore(pool: pool, logLevel: "critical")
        for index in 0..<proposals { try lifecycle(index, store) }
        pool.shutdown()
        try bench.connection.execute("ALTER DATABASE fund RESET log_statement")
        Thread.sleep(forTimeInterval: 0.5)  // the logger has written the last statements
        // Timed apart from the captured run, whose logging the replay does not pay: as many proposals again.
        pool = ConnectionPool(configuration: fund, maximumConnections: 2)
        let timed = FundStore(pool: pool, logLevel: "critical")
        let started = Date()
        for index in proposals..<(2 * proposals) { try lifecycle(index, timed) }
        let storeSeconds = Date().timeIntervalSince(started)
        pool.shutdown()
        let together = try concurrently(proposals: proposals, from: 2 * proposals, people: concurrency, fund, bench)

        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: log))
        try handle.seek(toOffset: UInt64(logStart))
        let captured = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        try handle.close()
        let statements = try CapturedStatements.parse(captured)
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-lifecycle-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: script) }
        try (statements.map { $0 + ";\n" }.joined()).write(to: script, atomically: true, encoding: .utf8)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-lifecycle-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let replayStarted = Date()
        let status = try Subprocess.run("/usr/bin/env", [
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f", script.path,
            bench.cluster.connectionURL(database: "fund_replay"),
        ], outputPath: output.path)
        let replaySeconds = Date().timeIntervalSince(replayStarted)
        guard status == 0 else {
            throw PostgresError(.misuse, "the replay failed (psql exited \(status)): \(((try? String(contentsOf: output, encoding: .utf8)) ?? "").suffix(2_000))")
        }
        let check = try Connection(bench.cluster.configuration(database: "fund_replay"))
        defer { check.close() }
        let replayed: Int = try check.query("SELECT count(*) AS n FROM tranches WHERE state = 'released'").single().decode("n")
        let storeRate = Double(proposals) / storeSeconds, replayRate = Double(proposals) / replaySeconds
        print(String(format: "lifecycle through the store, %d proposals one after the other: %.1f proposals/s (%.1f ms each, %d statements in all)",
                     proposals, storeRate, storeSeconds * 1000 / Double(proposals), statements.count))
        print(String(format: "the same statements replayed by psql in one session on a copy taken before: %.1f proposals/s (%d tranches released, as by the store); store / replay %.2f",
                     replayRate, replayed - 1, storeRate / replayRate))
        print(String(format: "the same lifecycle for %d proposals, %d at once (one call, envelope and committee shared): %.1f proposals/s (%.2f× one after the other); %lld deadlocks",
                     proposals, concurrency, together.rate, together.rate / storeRate, together.deadlocks))
        let command = "swift build -c release --product rrfbench && .build/release/rrfbench lifecycle --proposals \(proposals) --concurrency \(concurrency)"
        print("reproduce: " + command)
        BenchFigure(
            "proposal lifecycle through the store, \(concurrency) at once", result: String(format: "%.1f proposals/s, %lld deadlocks", together.rate, together.deadlocks),
            baseline: String(format: "one after the other %.1f proposals/s (%.2f×)", storeRate, together.rate / storeRate), command: command
        ).record()
        BenchFigure(
            "proposal lifecycle through the store, one after the other", result: String(format: "%.1f proposals/s", storeRate),
            baseline: String(format: "psql replay of its statements %.1f proposals/s (%.2f×)", replayRate, storeRate / replayRate),
            target: "≥ 0.7× the replay", met: storeRate / replayRate >= 0.7, command: command
        ).record()
    }

    /// `proposals` lifecycles (numbered from `first`) by `people` threads at once, each on its own pooled
    /// connection: proposals per second, and the deadlocks PostgreSQL counted meanwhile (each rolled back and
    /// retried by the store). The first lifecycle that fails fails the run.
    private static func concurrently(
        proposals: Int, from first: Int, people: Int, _ fund: PostgresConfiguration, _ bench: BenchCluster
    ) throws -> (rate: Double, deadlocks: Int64) {
        let pool = ConnectionPool(configuration: fund, maximumConnections: people)
        defer { pool.shutdown() }
        let store = FundStore(pool: pool, logLevel: "critical")
        let deadlocks = { () throws -> Int64 in
            try bench.connection.execute("SELECT pg_stat_clear_snapshot()")
            return try bench.connection.query("SELECT deadlocks FROM pg_stat_database WHERE datname = 'fund'").single().decode(0)
        }
        let before = try deadlocks()
        let failure = FirstFailure()
        let finished = DispatchGroup()
        let started = Date()
        for person in 0..<people {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                for index in stride(from: first + person, to: first + proposals, by: people) where failure.error == nil {
                    do { try lifecycle(index, store) } catch { failure.record(error) }
                }
            }
        }
        finished.wait()
        let seconds = Date().timeIntervalSince(started)
        if let error = failure.error { throw error }
        Thread.sleep(forTimeInterval: 1.5)  // the backends report their counters as they go idle
        return (Double(proposals) / seconds, try deadlocks() - before)
    }

    /// The first error of several threads.
    private final class FirstFailure: @unchecked Sendable {
        private let lock = NSLock()
        private var first: (any Error)?
        var error: (any Error)? { lock.withLock { first } }
        func record(_ error: any Error) { lock.withLock { if first == nil { first = error } } }
    }

    /// The people, one assessed partner, the open call SA-1 with a funded health envelope and its committee of
    /// three (quorum three), and one proposal taken through the lifecycle (warming the store's statements).
    private static func seed(_ store: FundStore) throws {
        _ = try store.addUser(login: "admin", displayName: "Ada Admin", roles: [.admin], as: nil)
        for (login, name, role) in [("sec", "Sam Secretariat", Role.secretariat), ("fm", "Fatima Manager", .fundManager), ("fin", "Fiona Finance", .financeOfficer)] {
            _ = try store.addUser(login: login, displayName: name, roles: [role], as: "admin")
        }
        for login in reviewers { _ = try store.addUser(login: login, displayName: "Reviewer \(login)", roles: [.reviewer], as: "admin") }
        _ = try store.registerOrganisation(code: "NGO-001", name: "Partner 1", country: "KE", as: "sec")
        _ = try store.assessOrganisation("NGO-001", risk: .low, dueDiligenceExpires: LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 300), as: "sec")
        _ = try store.addUser(login: "ngo", displayName: "Nadia Hassan", roles: [.ngoUser], organisations: ["NGO-001"], as: "admin")
        let usd = try Currency(code: "USD")
        _ = try store.createCall(code: "SA-1", configuration: CallConfiguration(
            title: "Floods", kind: .standard, currency: usd, envelopes: [.health: Money(minorUnits: 10_000_000_000, currency: usd)],
            perProposalCeiling: Money(minorUnits: 5_000_000, currency: usd), submissionDeadline: Date().addingTimeInterval(20 * 86_400),
            reviewDeadline: Date().addingTimeInterval(21 * 86_400), decisionSLA: .businessDays(10), scorecard: CallDefaults.scorecard
        ), as: "sec")
        _ = try store.openCall("SA-1", as: "sec")
        try store.deposit(call: "SA-1", cluster: .health, amount: Money(minorUnits: 1_000_000_000, currency: usd), donor: "ECHO", as: "fin")
        _ = try store.createCommittee(code: "PRC-HEALTH", call: "SA-1", cluster: .health, chair: reviewers[0], quorum: reviewers.count, as: "sec")
        for login in reviewers.dropFirst() { _ = try store.addCommitteeMember("PRC-HEALTH", member: login, as: "sec") }
        try lifecycle(-1, store)
    }

    /// One proposal from submission to its first released tranche, each step by the person who takes it.
    private static func lifecycle(_ index: Int, _ store: FundStore) throws {
        let proposal = try store.submitProposal(ProposalSubmission(
            organisation: "NGO-001", call: "SA-1", cluster: "health", title: "Cholera response \(index)", summary: "Water and care.",
            locations: ["Garissa"], beneficiaries: 1_000, requested: "1000 USD", durationMonths: 6,
            budgetLines: [.init(description: "Everything", amount: "1000 USD")]
        ), as: "ngo")
        _ = try store.screenProposal(proposal.reference, passed: true, as: "sec")
        _ = try store.assignReviewersAutomatically(proposal.reference, as: "sec")
        for login in reviewers {
            let scores = ReviewScoresInput(scores: ["relevance": 4, "feasibility": 4, "value_for_money": 4, "capacity": 4], comments: nil)
            _ = try store.submitReview(proposal.reference, scores, as: login)
        }
        // What the daemon's `proposal.aggregate_reviews` job does once the panel is complete, here in line.
        _ = try store.aggregateReviews(proposalID: proposal.id)
        _ = try store.decideProposal(proposal.reference, .approve(amount: proposal.requested, justification: "Sound."), as: "fm")
        let grant = try store.signGrant(proposal.reference, signatory: "Amina Yusuf, Director", as: "fm")
        _ = try store.evaluateTranches(grant.reference, trainingShortfalls: [], as: "sec")
        let tranche = try store.approveTranche(grant.reference, sequence: 1, as: "fm")
        _ = try store.releaseTranche(grant.reference, sequence: 1, amount: tranche.amount, idempotencyKey: "first-\(grant.reference)", as: "fin")
    }
}
