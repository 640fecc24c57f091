import Foundation

/// Starts programs with `posix_spawn` and waits with `waitpid`: predictable from any thread, unlike
/// `Foundation.Process`, whose exit detection can stall when the child leaves grandchildren (pg_ctl does).
/// Package-wide, so the throwaway cluster and the job queue's mail sink share it.
package enum Subprocess {
    /// Runs `executable` with `arguments`, stdin read from `inputPath` and stdout+stderr appended to `outputPath`,
    /// and returns its exit status (128 + the signal number when a signal ended it).
    package static func run(_ executable: String, _ arguments: [String], inputPath: String = "/dev/null", outputPath: String) throws -> Int32 {
        let pid = try spawn(executable, arguments, inputPath: inputPath, outputPath: outputPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw PostgresError(.misuse, "waiting for \(executable) failed: \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Starts `executable` (stdin from `inputPath`, stdout+stderr appended to `outputPath`) and returns its pid
    /// without waiting (for long-lived helpers).
    @discardableResult
    package static func spawn(_ executable: String, _ arguments: [String], inputPath: String = "/dev/null", outputPath: String = "/dev/null") throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else {
            throw PostgresError(.misuse, "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }
}
