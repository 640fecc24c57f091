import Foundation
import RRFTestSupport
import Testing

/// Runs `body` on a test database that `rrfctl demo` seeded with its whole fund story: partners, calls, reviews,
/// grants with tranches and reports, training, and the jobs rrfd worked through.
func withDemoFund(_ body: (TestDatabase) throws -> Void) throws {
    try withTestDatabase { db in
        let seeded = try Offline.run(
            ["demo", "--database-url", db.configuration.connectionURL, "--i-understand-this-writes-demo-data", "--json"],
            environment: ["RRF_SQL_DIR": TestServer.schemaDirectory.path]
        )
        try #require(seeded.status == 0, "demo failed: \(seeded.stderr)")
        try body(db)
    }
}
