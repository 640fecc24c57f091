import BenchSummary
import Foundation
import JobQueue
import Postgres

/// Issue 19's footprint: rrfd's resident memory idle and while it works through a backlog, rrfweb's idle and
/// under wrk, and the start-up of
/// rrfctl beside psql's, on the bench's own cluster. The binaries are the release build's (`--bin`).
enum Footprint {
    static func run(binaries: String, jobs: Int) throws {
        let command = "for p in rrfd rrfctl rrfweb rrfbench; do swift build -c release --product $p; done; .build/release/rrfbench footprint --bin \(binaries)"
        let bench = try BenchCluster(applicationName: "rrfbench-footprint")
        defer { bench.stop() }
        let cluster = bench.cluster
        let url = "postgresql://\(cluster.superuser)@/postgres?host=\(cluster.socketDirectory)&port=\(cluster.port)"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-rrfd-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }

        let daemon = try Subprocess.spawn("\(binaries)/rrfd", ["--database-url", url], outputPath: log)
        defer { kill(daemon, SIGTERM); var status: Int32 = 0; waitpid(daemon, &status, 0) }
        Thread.sleep(forTimeInterval: 10)
        let idle = try memory(of: daemon)
        print(String(format: "rrfd idle (4 workers, maintenance leader), 10 s after start: RSS %.1f MB, PSS %.1f MB (other processes sharing its libraries lower PSS)",
                     idle.rss, idle.pss))

        // A backlog of jobs of a kind rrfd has no handler for: each is claimed, refused, logged and rescheduled,
        // the claim-run-complete path without a handler's own work.
        try Jobs.enqueue((0..<jobs).map { _ in NewJob(kind: "rrfbench.load") }, on: bench.connection)
        var peak = idle.rss
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            peak = max(peak, try memory(of: daemon).rss)
            let attempted: Int = try bench.connection.query("SELECT count(*) AS n FROM jobs WHERE kind = 'rrfbench.load' AND attempts > 0").single().decode("n")
            if attempted >= jobs { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let after = try memory(of: daemon)
        print(String(format: "rrfd through %d jobs it has no handler for (claimed, refused, logged, rescheduled): peak RSS %.1f MB sampled every 100 ms, %.1f MB after",
                     jobs, max(peak, after.rss), after.rss))
        BenchFigure(
            "rrfd resident memory, idle (and through \(jobs) jobs)", result: String(format: "%.1f MB RSS (peak %.1f MB working)", idle.rss, max(peak, after.rss)),
            baseline: String(format: "PSS %.1f MB idle", idle.pss), target: "< 30 MB RSS idle", met: idle.rss < 30, command: command
        ).record()

        try portal(binaries: binaries, url: url, command: command)

        let version = try medianMilliseconds("\(binaries)/rrfctl", ["--version"])
        let status = try medianMilliseconds("\(binaries)/rrfctl", ["db", "status", "--database-url", url])
        let psql = try medianMilliseconds("/usr/bin/env", ["psql", "-X", "-Atc", "SELECT version FROM schema_migrations", url])
        print(String(format: "rrfctl start-up, median of 20: --version %.1f ms, db status %.1f ms; beside psql -Atc \"SELECT version FROM schema_migrations\" %.1f ms (%.2f×)",
                     version, status, psql, status / psql))
        print("reproduce: " + command)
        BenchFigure(
            "rrfctl start-up (median of 20 processes)", result: String(format: "db status %.1f ms, --version %.1f ms", status, version),
            baseline: String(format: "psql, the same query, %.1f ms (%.2f×)", psql, status / psql),
            target: "close to psql's (≤ 1.25×, our reading)", met: status / psql <= 1.25, command: command
        ).record()
    }

    /// rrfweb's resident set idle, then its peak while wrk (when installed) asks for the sign-in page and
    /// `/healthz` (which reads the database) for ten seconds each on 8 connections.
    private static func portal(binaries: String, url: String, command: String) throws {
        let port = Int.random(in: 20_000..<30_000)
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url
        environment["RRFWEB_HOST"] = "127.0.0.1"
        environment["RRFWEB_PORT"] = "\(port)"
        let web = try Subprocess.spawn("\(binaries)/rrfweb", [], environment: environment)
        defer { kill(web, SIGTERM); var status: Int32 = 0; waitpid(web, &status, 0) }
        Thread.sleep(forTimeInterval: 5)
        let idle = try memory(of: web)
        let path = (environment["PATH"] ?? "/usr/bin").split(separator: ":")
        guard path.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/wrk") }) else {
            print(String(format: "rrfweb idle, 5 s after start: RSS %.1f MB, PSS %.1f MB (wrk is missing: no load)", idle.rss, idle.pss))
            return
        }
        var peak = idle.rss
        for path in ["/login", "/healthz"] {
            let load = try Subprocess.spawn("/usr/bin/env", ["wrk", "-t", "2", "-c", "8", "-d", "10s", "http://127.0.0.1:\(port)\(path)"])
            var status: Int32 = 0
            while waitpid(load, &status, WNOHANG) == 0 {
                peak = max(peak, try memory(of: web).rss)
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        print(String(format: "rrfweb idle, 5 s after start: RSS %.1f MB, PSS %.1f MB; peak RSS %.1f MB while wrk (8 connections) asked for /login, then /healthz, 10 s each",
                     idle.rss, idle.pss, peak))
        BenchFigure(
            "rrfweb resident memory, idle and under wrk", result: String(format: "%.1f MB RSS idle, peak %.1f MB", idle.rss, peak),
            baseline: String(format: "PSS %.1f MB idle", idle.pss), command: command
        ).record()
    }

    /// Resident and proportional set sizes of `pid`, in megabytes.
    private static func memory(of pid: pid_t) throws -> (rss: Double, pss: Double) {
        func kilobytes(_ key: String, in file: String) throws -> Double {
            let text = try String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
                  let value = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) }) else {
                throw PostgresError(.misuse, "no \(key) in /proc/\(pid)/\(file)")
            }
            return value
        }
        return (try kilobytes("VmRSS:", in: "status") / 1024, try kilobytes("Pss:", in: "smaps_rollup") / 1024)
    }

    /// The median wall time of 20 runs of `executable`, each of which must succeed.
    private static func medianMilliseconds(_ executable: String, _ arguments: [String]) throws -> Double {
        var times: [Double] = []
        for _ in 0..<20 {
            let started = DispatchTime.now().uptimeNanoseconds
            let status = try Subprocess.run(executable, arguments, outputPath: "/dev/null")
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
            guard status == 0 else { throw PostgresError(.misuse, "\(executable) \(arguments.joined(separator: " ")) exited \(status)") }
        }
        return percentile(times.sorted(), 50)
    }
}
