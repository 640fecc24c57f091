import Foundation
import Testing

/// Issue 17 item 3: a filter value that can only match nothing is a usage error (exit code 64) listing the
/// valid values, before any database is touched.
@Suite struct FilterValidationTests {
    @Test(arguments: [
        (["proposal", "list", "--state", "aproved"], "approved"),
        (["proposal", "list", "--cluster", "heath"], "health"),
        (["call", "list", "--state", "opened"], "open"),
        (["call", "ranking", "SA-1", "--cluster", "food"], "wash"),
        (["grant", "list", "--state", "paused"], "suspended"),
        (["org", "list", "--state", "active"], "assessed"),
        (["review", "list", "--state", "done"], "submitted"),
        (["training", "session", "list", "--state", "postponed"], "scheduled"),
        (["user", "list", "--role", "boss"], "fund_manager"),
        (["audit", "refusals", "--kind", "login"], "sign_in"),
        (["proposal", "list", "--limit", "0"], "--limit"),
        (["proposal", "list", "--state", "approved\u{1B}[31m"], "approved"),
    ])
    func anUnknownFilterValueIsAUsageErrorListingTheValidOnes(arguments: [String], listed: String) throws {
        let outcome = try Offline.run(arguments, environment: ["DATABASE_URL": "postgresql://nobody@/nowhere"])
        #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
        #expect(outcome.stderr.contains(listed), "\(arguments): \(outcome.stderr)")
        #expect(!outcome.stderr.contains("\u{1B}"), "\(arguments): the terminal gets no raw escape")
    }
}
