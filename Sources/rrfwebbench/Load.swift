import Foundation

/// One load run of wrk (a bounded client: a fixed number of connections on two threads) and what it measured.
struct LoadRun {
    let name: String
    let command: [String]
    var requestsPerSecond = 0.0
    var p50 = "—"
    var p99 = "—"
    /// Answers that were not 2xx or 3xx (wrk's count), and socket errors.
    var failures = 0

    /// Runs wrk against `url` with `headers` (and a Lua script for a POST), for `seconds` on `connections`.
    static func run(_ name: String, url: String, headers: [String] = [], script: String? = nil, seconds: Int, connections: Int) throws -> LoadRun {
        var command = ["wrk", "--latency", "-t", "2", "-c", "\(connections)", "-d", "\(seconds)s"]
        for header in headers { command += ["-H", header] }
        if let script { command += ["-s", script] }
        command.append(url)
        var run = LoadRun(name: name, command: command)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.hasPrefix("Requests/sec:"), let value = fields.last.flatMap(Double.init) { run.requestsPerSecond = value }
            if line.hasPrefix("50%"), fields.count > 1 { run.p50 = fields[1] }
            if line.hasPrefix("99%"), fields.count > 1 { run.p99 = fields[1] }
            if line.hasPrefix("Non-2xx or 3xx responses:"), let value = fields.last.flatMap(Int.init) { run.failures += value }
            if line.hasPrefix("Socket errors:") {
                run.failures += fields.compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }.reduce(0, +)
            }
        }
        if process.terminationStatus != 0 || run.failures > 0 { FileHandle.standardError.write(Data("wrk for \(name) says:\n\(text)\n".utf8)) }
        return run
    }

    /// The command as a shell line, quoted where needed, with secrets replaced by a placeholder.
    var shellLine: String {
        command.map { part in
            let shown = part.hasPrefix("Cookie: ") ? "Cookie: rrf_session=<session>" : part.hasPrefix("Authorization: ") ? "Authorization: Bearer <token>" : part
            return shown.contains(" ") ? "'\(shown)'" : shown
        }.joined(separator: " ")
    }
}
