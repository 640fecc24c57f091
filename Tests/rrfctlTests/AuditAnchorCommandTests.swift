import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import Testing

/// Issue 18 item 2 as an IT officer runs it: `rrfctl audit keygen`, `audit anchor`, `audit verify --anchors`.
@Suite struct AuditAnchorCommandTests {
    struct Payload: Codable { let note: String }

    @Test func anchorsWrittenByTheCLIRevealATruncatedStream() throws {
        try withTestDatabase { db in
            try withScratchFolder { scratch in
                let cli = CLI(db)
                let connection = try db.connect()
                defer { connection.close() }
                for index in 1...3 {
                    try AuditLog.append(stream: "proposal:RRF-2026-0001", type: "t\(index)", actor: "sec", at: Date(), payload: Payload(note: "\(index)"), on: connection)
                }
                let key = scratch.appendingPathComponent("audit.key").path, publicKey = scratch.appendingPathComponent("audit.pub").path
                let anchors = scratch.appendingPathComponent("anchors").path
                try FileManager.default.createDirectory(atPath: anchors, withIntermediateDirectories: true)
                func run(_ arguments: String...) -> CLI.Outcome { cli.finish(try! cli.start(cli.bare(arguments, actor: nil))) }

                #expect(run("audit", "keygen", "--private-key", key, "--public-key", publicKey).status == 0)
                let again = run("audit", "keygen", "--private-key", key, "--public-key", publicKey)
                #expect(again.status == 78, "\(again.stderr)")
                #expect(again.stderr.contains("cannot be created"))

                let anchored = run("audit", "anchor", "--to", anchors, "--signing-key", key)
                #expect(anchored.status == 0, "\(anchored.stderr)")
                #expect(anchored.stdout.contains("Checkpoint 1 written"))
                #expect(run("audit", "anchor", "--to", anchors, "--signing-key", key).stdout.contains("Nothing changed since checkpoint 1"))
                let intact = run("audit", "verify", "--anchors", anchors, "--public-key", publicKey)
                #expect(intact.status == 0, "\(intact.stderr)")
                #expect(intact.stdout.contains("matches checkpoint 1"))

                try connection.withTransaction { connection in
                    try connection.execute("SET LOCAL session_replication_role = replica")
                    try connection.execute("DELETE FROM audit_events WHERE sequence = 3")
                }
                #expect(run("audit", "verify").status == 0)
                let broken = run("audit", "verify", "--anchors", anchors, "--public-key", publicKey)
                #expect(broken.status == 3)
                #expect(broken.stderr.contains("Stream proposal:RRF-2026-0001 was cut short: checkpoint 1 recorded event 3"), "\(broken.stderr)")

                // A signing key others can read is refused before anything is written.
                #expect(chmod(key, 0o644) == 0)
                let exposed = run("audit", "anchor", "--to", anchors, "--signing-key", key)
                #expect(exposed.status == 78)
                #expect(exposed.stderr.contains("chmod 600"))
                let half = run("audit", "verify", "--anchors", anchors)
                #expect(half.status == 64, "\(half.stderr)")
            }
        }
    }

    /// rrfd configured with `audit_anchors` claims the `audit.anchor` job on its own queue and writes the checkpoint.
    @Test func theDaemonWritesTheCheckpointItIsConfiguredFor() throws {
        try withTestDatabase { db in
            try withScratchFolder { scratch in
                let cli = CLI(db)
                let key = scratch.appendingPathComponent("audit.key").path, publicKey = scratch.appendingPathComponent("audit.pub").path
                let anchors = scratch.appendingPathComponent("anchors").path
                try FileManager.default.createDirectory(atPath: anchors, withIntermediateDirectories: true)
                #expect(cli.finish(try cli.start(cli.bare(["audit", "keygen", "--private-key", key, "--public-key", publicKey], actor: nil))).status == 0)
                let connection = try db.connect()
                defer { connection.close() }
                try AuditLog.append(stream: "call:SA-1", type: "call.opened", actor: "sec", at: Date(), payload: Payload(note: "open"), on: connection)
                let daemon = try Daemon(db)
                defer { daemon.cleanUp() }
                try (String(contentsOf: daemon.configFile, encoding: .utf8) + """

                    audit_anchors:
                      folder: \(anchors)
                      signing_key: \(key)
                    """).write(to: daemon.configFile, atomically: true, encoding: .utf8)
                try connection.execute("INSERT INTO jobs (kind, queue, payload) VALUES ('audit.anchor', 'audit-anchor', '{}')")
                try daemon.drain()
                #expect(FileManager.default.fileExists(atPath: anchors + "/checkpoint-000001.json"), "\(daemon.logText("drain"))")
                let verified = cli.finish(try cli.start(cli.bare(["audit", "verify", "--anchors", anchors, "--public-key", publicKey], actor: nil)))
                #expect(verified.status == 0, "\(verified.stderr)")
            }
        }
    }
}
