import Foundation
import Postgres

/// The daemon's part of the demo: runs the `rrfd` built next to `rrfctl` with `--drain` on the demo database
/// (it works through the jobs the story enqueued — review aggregation, grant creation, notifications … —
/// and exits when none is runnable), then tells what it did from the `jobs` table. E-mails go to rrfd's
/// development file sink (`outboxFile`, JSON lines), never to a mail server.
enum DemoDaemon {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("rrfd")
    }

    /// `kept`: the outbox file stays after the demo (--outbox), so the story names it.
    static func run(databaseURL: String, outboxFile: String, kept: Bool, connection: Connection, narrator: DemoNarrator) throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            narrator.plain("  rrfd was not found next to rrfctl (\(executable.path)); the jobs stay queued for the daemon.")
            return
        }
        let before = try counts(connection)
        narrator.plain("  rrfd --drain works through the \(before["pending", default: 0]) queued jobs …")
        var environment = ProcessInfo.processInfo.environment
        environment["RRFD_ACTOR"] = DemoCast.daemon.login
        environment["RRFD_NOTIFY_FILE"] = outboxFile
        environment["RRFD_SENDMAIL"] = nil
        let logLevel = environment["RRF_DEMO_DAEMON_LOG_LEVEL"]
        let log = outboxFile + ".rrfd.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = try Subprocess.run(
            executable.path, ["--drain", "--database-url", databaseURL, "--log-level", logLevel ?? "error", "--name", "rrfd-demo"],
            outputPath: log, environment: environment, timeout: .seconds(120)
        )
        if status != 0 || logLevel != nil {
            let message = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let stopped = status == 128 + SIGTERM || status == 128 + SIGKILL ? " (it did not finish within two minutes and was stopped)" : ""
            narrator.plain("  rrfd ended with status \(status)\(stopped): \(message.split(separator: "\n").prefix(12).joined(separator: " / "))")
        }
        let after = try counts(connection)
        let kinds = try connection.query(
            "SELECT kind, count(*)::int AS n FROM jobs WHERE state = 'succeeded' GROUP BY kind ORDER BY kind"
        ).rows.map { "\(try $0.decode("kind", as: String.self)) ×\(try $0.decode("n", as: Int.self))" }
        let sent = try connection.query("SELECT count(*)::int AS n FROM notifications WHERE state = 'sent'").single().decode("n", as: Int.self)
        narrator.plain(
            "  The daemon finished \(after["succeeded", default: 0]) jobs (\(kinds.joined(separator: ", "))); "
                + "\(after["pending", default: 0]) wait for a later time, \(after["discarded", default: 0]) were discarded; "
                + "it delivered \(sent) e-mails to \(kept ? outboxFile : "its development outbox (--outbox FILE keeps them)"), for example:"
        )
        for mail in try sampleMails(outboxFile) { narrator.plain("    to \(mail.recipient): \(mail.subject)") }
    }

    /// One line of rrfd's file sink.
    private struct Mail: Decodable {
        let recipient: String
        let subject: String
    }

    /// A few delivered e-mails of different kinds (the first of each subject's event).
    private static func sampleMails(_ path: String) throws -> [Mail] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var events: Set<Substring> = []
        return try text.split(separator: "\n").lazy.map { try JSONDecoder().decode(Mail.self, from: Data($0.utf8)) }
            .filter { events.insert($0.subject.split(separator: " — ").first ?? "").inserted }
            .prefix(4).map { $0 }
    }

    private static func counts(_ connection: Connection) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try connection.query("SELECT state::text AS state, count(*)::int AS n FROM jobs GROUP BY state").rows {
            result[try row.decode("state")] = try row.decode("n", as: Int.self)
        }
        return result
    }
}
