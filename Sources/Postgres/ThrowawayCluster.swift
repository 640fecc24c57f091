import Foundation
import Synchronization

/// A private PostgreSQL server for tests and `rrfctl demo`: `initdb` into a temporary folder, listening
/// only on a unix socket inside that folder, started with `pg_ctl`.
///
/// When the process runs as root the server runs as the `postgres` user (PostgreSQL refuses root).
/// The cluster is stopped and its folder removed by `stop()`, at normal process exit, and — if the process
/// dies without exiting normally — by a small watchdog process that notices the parent is gone.
public final class ThrowawayCluster: Sendable {
    /// Options for the server.
    public struct Options: Sendable {
        /// Trade durability for speed (fsync off): right for tests, wrong for benchmarks of commit cost.
        public var durable: Bool
        public var maxConnections: Int

        public init(durable: Bool = false, maxConnections: Int = 200) {
            self.durable = durable
            self.maxConnections = maxConnections
        }
    }

    /// The temporary folder holding data, socket and log.
    public let directory: String
    public let port: Int
    public let superuser = "postgres"

    private let binDirectory: String
    private let runAsPostgres: Bool
    /// The watchdog process, ended by `stop()` so that nothing outlives a cluster stopped normally.
    private let watchdog = Mutex<pid_t>(0)

    /// Creates and starts a cluster; fails with a clear message when PostgreSQL is not installed.
    public static func start(options: Options = Options()) throws -> ThrowawayCluster {
        let binDirectory = try ServerBinaries.locate()
        let runAsPostgres = geteuid() == 0
        var template = Array("/tmp/rrf-pg.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PostgresError(.misuse, "cannot create a temporary folder for PostgreSQL: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: made)
        let cluster = ThrowawayCluster(directory: directory, binDirectory: binDirectory, runAsPostgres: runAsPostgres)
        do {
            try cluster.initialise(options: options)
            ClusterRegistry.shared.add(cluster)
            try cluster.spawnWatchdog()
            return cluster
        } catch {
            cluster.stop()
            throw error
        }
    }

    private init(directory: String, binDirectory: String, runAsPostgres: Bool) {
        self.directory = directory
        self.binDirectory = binDirectory
        self.runAsPostgres = runAsPostgres
        // The server listens only on a socket inside its own folder, so the port never collides.
        self.port = 5432
    }

    /// Connection settings for `database` on this cluster, as the superuser.
    public func configuration(database: String = "postgres", applicationName: String = "rrf") -> PostgresConfiguration {
        PostgresConfiguration(connectionString: connectionURL(database: database), applicationName: applicationName)
    }

    /// A `postgresql://` URL for `database` (socket folder percent-encoded as the host).
    public func connectionURL(database: String = "postgres") -> String {
        let host = socketDirectory.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketDirectory
        return "postgresql://\(superuser)@\(host):\(port)/\(database)"
    }

    public var socketDirectory: String { directory }
    private var dataDirectory: String { directory + "/data" }
    private var logFile: String { directory + "/server.log" }

    /// Restarts the server without a clean shutdown (`pg_ctl restart -m immediate`, as after a crash): every
    /// connection is dropped and the server recovers from its write-ahead log. For fault tests.
    public func restartImmediately() throws {
        try runTool("pg_ctl", ["-D", dataDirectory, "-l", logFile, "-m", "immediate", "-w", "-t", "60", "restart"])
    }

    /// Stops the server immediately and removes its folder. Safe to call more than once.
    public func stop() {
        ClusterRegistry.shared.remove(self)
        let watchdogPID = watchdog.withLock { pid in
            defer { pid = 0 }
            return pid
        }
        if watchdogPID > 0 {
            kill(watchdogPID, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(watchdogPID, &status, 0)
        }
        if FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") {
            try? runTool("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func initialise(options: Options) throws {
        if runAsPostgres {
            guard chown(directory, ServerBinaries.postgresUID, ServerBinaries.postgresGID) == 0 else {
                throw PostgresError(.misuse, "cannot hand \(directory) to the postgres user: \(String(cString: strerror(errno)))")
            }
        }
        try runTool("initdb", ["-D", dataDirectory, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        var serverOptions = [
            "-c listen_addresses=''", "-k \(socketDirectory)", "-p \(port)",
            "-c max_connections=\(options.maxConnections)", "-c shared_buffers=128MB",
        ]
        if !options.durable {
            serverOptions += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        }
        try runTool("pg_ctl", ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", serverOptions.joined(separator: " "), "start"])
    }

    /// Runs a PostgreSQL program, as `postgres` when we are root; its output goes to a log in the folder.
    private func runTool(_ name: String, _ arguments: [String]) throws {
        let tool = binDirectory + "/" + name
        let log = directory + "/\(name).log"
        let status = runAsPostgres
            ? try Subprocess.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments, outputPath: log)
            : try Subprocess.run(tool, arguments, outputPath: log)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw PostgresError(.misuse, "\(name) failed (exit \(status)): \(text.suffix(800))")
        }
    }

    /// Starts a detached shell that kills the server and removes the folder once this process is gone — also when
    /// it is only a zombie not yet reaped by its parent, so the shell never holds inherited pipes open past our exit.
    private func spawnWatchdog() throws {
        let parent = getpid()
        let script = """
            while kill -0 \(parent) 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' /proc/\(parent)/status 2>/dev/null; do sleep 1; done
            if [ -f '\(dataDirectory)/postmaster.pid' ]; then kill -QUIT "$(head -n 1 '\(dataDirectory)/postmaster.pid')" 2>/dev/null; sleep 1; fi
            rm -rf '\(directory)'
            """
        let pid = try Subprocess.spawn("/usr/bin/setsid", ["/bin/sh", "-c", script])
        watchdog.withLock { $0 = pid }
    }
}

/// Finds initdb / pg_ctl: `RRF_PG_BIN`, then the newest `/usr/lib/postgresql/N/bin`, then `PATH`.
enum ServerBinaries {
    static func locate() throws -> String {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["RRF_PG_BIN"], fileManager.isExecutableFile(atPath: explicit + "/initdb") {
            return explicit
        }
        let versions = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where fileManager.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb") {
            return "/usr/lib/postgresql/\(version)/bin"
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if fileManager.isExecutableFile(atPath: "\(folder)/initdb"), fileManager.isExecutableFile(atPath: "\(folder)/pg_ctl") {
                return String(folder)
            }
        }
        throw PostgresError(
            .misuse,
            "PostgreSQL server programs (initdb, pg_ctl) were not found. Install them (Debian: apt-get install -y postgresql) or set RRF_PG_BIN to their folder."
        )
    }

    static var postgresUID: uid_t { getpwnam("postgres")?.pointee.pw_uid ?? 0 }
    static var postgresGID: gid_t { getpwnam("postgres")?.pointee.pw_gid ?? 0 }
}

/// Clusters still running, stopped at process exit.
private final class ClusterRegistry: @unchecked Sendable {
    static let shared = ClusterRegistry()
    private let lock = NSLock()
    private var clusters: [ObjectIdentifier: ThrowawayCluster] = [:]
    private var exitHookInstalled = false

    func add(_ cluster: ThrowawayCluster) {
        lock.lock()
        defer { lock.unlock() }
        clusters[ObjectIdentifier(cluster)] = cluster
        if !exitHookInstalled {
            exitHookInstalled = true
            atexit { ClusterRegistry.shared.stopAll() }
        }
    }

    func remove(_ cluster: ThrowawayCluster) {
        lock.lock()
        defer { lock.unlock() }
        clusters[ObjectIdentifier(cluster)] = nil
    }

    func stopAll() {
        lock.lock()
        let running = Array(clusters.values)
        lock.unlock()
        running.forEach { $0.stop() }
    }
}
