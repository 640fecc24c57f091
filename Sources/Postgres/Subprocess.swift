import Foundation

/// Starts programs with `posix_spawn` and waits with `waitpid`: predictable from any thread, unlike
/// `Foundation.Process`, whose exit detection can stall when the child leaves grandchildren (pg_ctl does).
/// Package-wide, so the throwaway cluster, the job queue's mail sink and the demo's daemon share it.
package enum Subprocess {
    /// Runs `executable` with `arguments`, stdin read from `inputPath` and stdout+stderr appended to `outputPath`,
    /// and returns its exit status (128 + the signal number when a signal ended it). `environment` replaces the
    /// caller's environment when given. After `timeout` the program gets SIGTERM, then SIGKILL two seconds later.
    package static func run(
        _ executable: String, _ arguments: [String], inputPath: String = "/dev/null", outputPath: String,
        environment: [String: String]? = nil, timeout: Duration? = nil
    ) throws -> Int32 {
        let pid = try spawn(executable, arguments, inputPath: inputPath, outputPath: outputPath, environment: environment)
        guard let timeout else { return try waitForExit(pid, executable) }
        if let status = try exitStatus(pid, executable, within: timeout) { return status }
        kill(pid, SIGTERM)
        if let status = try exitStatus(pid, executable, within: .seconds(2)) { return status }
        kill(pid, SIGKILL)
        return try waitForExit(pid, executable)
    }

    /// Starts `executable` (stdin from `inputPath`, stdout+stderr appended to `outputPath`, `environment` or the
    /// caller's) and returns its pid without waiting (for long-lived helpers).
    @discardableResult
    package static func spawn(
        _ executable: String, _ arguments: [String], inputPath: String = "/dev/null", outputPath: String = "/dev/null",
        environment: [String: String]? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        // The child starts with default signal handling and nothing blocked, whatever the caller set up for
        // itself (a daemon ignores SIGTERM to handle it through its own source; the child must not inherit that).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let result = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw PostgresError(.misuse, "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// The exit status of `pid` once it ended; nil when not `waiting` and it still runs.
    private static func exitStatus(_ pid: pid_t, _ executable: String, waiting: Bool) throws -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, waiting ? 0 : WNOHANG)
            if result == pid { break }
            if result == 0 { return nil }
            guard errno == EINTR else { throw PostgresError(.misuse, "waiting for \(executable) failed: \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The exit status of `pid` if it ends within `duration` (checked every 10 ms), else nil.
    private static func exitStatus(_ pid: pid_t, _ executable: String, within duration: Duration) throws -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: duration)
        while clock.now < deadline {
            if let status = try exitStatus(pid, executable, waiting: false) { return status }
            usleep(10_000)
        }
        return try exitStatus(pid, executable, waiting: false)
    }

    /// Waits until `pid` ends and returns its exit status.
    private static func waitForExit(_ pid: pid_t, _ executable: String) throws -> Int32 {
        while true {
            if let status = try exitStatus(pid, executable, waiting: true) { return status }
        }
    }
}
