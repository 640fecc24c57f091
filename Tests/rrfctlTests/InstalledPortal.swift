import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs an installed `rrfweb` (found through the PATH of `environment`) on a free local port until its `/healthz`
/// answers, then stops it.
enum InstalledPortal {
    /// `"<status> <body>"` of `/healthz`, or what went wrong with the portal's log.
    static func health(environment: [String: String], log: URL) throws -> String {
        for _ in 0..<3 {
            let port = Int.random(in: 20_000...59_999)
            var environment = environment
            environment["RRFWEB_HOST"] = "127.0.0.1"
            environment["RRFWEB_PORT"] = "\(port)"
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let output = try FileHandle(forWritingTo: log)
            defer { try? output.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["rrfweb"]
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: "/")
            process.standardOutput = output
            process.standardError = output
            try process.run()
            defer {
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
            }
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, process.isRunning {
                if let answer = get("http://127.0.0.1:\(port)/healthz") { return answer }
                Thread.sleep(forTimeInterval: 0.2)
            }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            // Another program had the port: try another one.
            if !text.localizedCaseInsensitiveContains("address already in use") { return "no answer; rrfweb said: \(text)" }
        }
        return "no free port found"
    }

    /// `"<status> <body without its newline>"`, or nil when nothing answers.
    private static func get(_ address: String) -> String? {
        final class Box: @unchecked Sendable { var answer: String? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        guard let url = URL(string: address) else { return nil }
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if let response = response as? HTTPURLResponse {
                box.answer = "\(response.statusCode) \(String(decoding: data ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
            }
            done.signal()
        }.resume()
        done.wait()
        return box.answer
    }
}
