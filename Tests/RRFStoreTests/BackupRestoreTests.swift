import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import Testing

/// Issue 18 item 8: a fund backed up with pg_dump and restored with pg_restore into a new cluster (roles first,
/// from deploy/roles.sql, as docs/operations.md says) verifies against the anchors written before the backup.
@Suite struct BackupRestoreTests {
    /// Runs `program` (found on PATH) and expects it to succeed.
    func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(program) failed: \(text)")
    }

    @Test func aRestoredDumpVerifiesAgainstTheAnchorsOfTheOriginal() throws {
        try withTestDatabase { db in
            try withScratchFolder { scratch in
                let fund = try Fund.withFinance(db)
                _ = try fund.grantWithReleasedFirstTranche()
                let anchors = scratch.appendingPathComponent("anchors", isDirectory: true)
                try FileManager.default.createDirectory(at: anchors, withIntermediateDirectories: true)
                let key = scratch.appendingPathComponent("audit.key"), publicKey = scratch.appendingPathComponent("audit.pub")
                try AuditSigningKey.generate(privateKeyFile: key, publicKeyFile: publicKey)
                #expect(try fund.store.anchorAuditLog(into: anchors, signingKey: AuditSigningKey.privateKey(at: key)).checkpoint == 1)

                let dump = scratch.appendingPathComponent("fund.dump").path
                try run("pg_dump", ["--format=custom", "--file", dump, "--dbname", db.configuration.connectionURL])
                let restored = try ThrowawayCluster.start()
                defer { restored.stop() }
                let roles = TestServer.schemaDirectory.deletingLastPathComponent().appendingPathComponent("deploy/roles.sql").path
                try run("psql", ["-q", "-v", "database=rrf", "-f", roles, restored.connectionURL()])
                try run("pg_restore", ["--exit-on-error", "--dbname", restored.connectionURL(database: "rrf"), dump])

                let store = FundStore(pool: ConnectionPool(configuration: restored.configuration(database: "rrf"), maximumConnections: 2))
                let state = try AuditAnchorFolder.read(anchors, trusting: AuditSigningKey.publicKey(at: publicKey)).state
                #expect(try store.verifyAuditLog(anchors: state) == [])
                #expect(try store.verifyLedger() == [])
                // The restored log is the original: cut short, it is caught like the original would be.
                let connection = try Connection(restored.configuration(database: "rrf"))
                defer { connection.close() }
                try connection.withTransaction { connection in
                    try connection.execute("SET LOCAL session_replication_role = replica")
                    try connection.execute("""
                        DELETE FROM audit_events WHERE (stream, sequence) =
                            (SELECT stream, max(sequence) FROM audit_events WHERE stream LIKE 'proposal:%' GROUP BY stream ORDER BY stream LIMIT 1)
                        """)
                }
                #expect(try store.verifyAuditLog(anchors: state).map(\.problem) == [.truncated])
            }
        }
    }
}
