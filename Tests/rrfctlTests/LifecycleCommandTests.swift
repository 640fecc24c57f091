import Foundation
import Postgres
import RRFTestSupport
import Testing

/// Issue 13 from the command line: draft calls edited and deleted, a closed call decided and archived, users edited
/// and deactivated, every training requirement listed, review states checked.
@Suite struct LifecycleCommandTests {
    @Test func draftCallsAndUsersChangeFromTheCommandLine() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            let formatter = ISO8601DateFormatter()
            let past = formatter.string(from: Date().addingTimeInterval(-86_400))
            let review = formatter.string(from: Date().addingTimeInterval(30 * 86_400))
            let refused = try cli.run(
                "call", "create", "SA-2", "--title", "Drought", "--currency", "USD", "--ceiling", "40000 USD",
                "--submission-deadline", past, "--review-deadline", review, "--envelope", "wash=80000 USD", as: "sec"
            )
            #expect(refused.status == 3)
            #expect(refused.stderr.contains("The submission deadline has already passed; set a deadline in the future."))
            try cli.ok(
                "call", "create", "SA-2", "--title", "Drought", "--currency", "USD", "--ceiling", "40000 USD",
                "--submission-deadline", formatter.string(from: Date().addingTimeInterval(20 * 86_400)), "--review-deadline", review,
                "--envelope", "wash=80000 USD", as: "sec"
            )
            let edited = try cli.ok("call", "edit", "SA-2", "--title", "Drought 2026", "--envelope", "shelter=50000 USD", "--expected-version", "1", as: "sec")
            #expect(edited.stdout.contains("Drought 2026") && edited.stdout.contains("shelter") && !edited.stdout.contains("wash"))
            #expect(try cli.run("call", "edit", "SA-2", "--submission-deadline", past, as: "sec").status == 3)
            #expect(try cli.run("call", "decide", "SA-1", as: "fm").status == 3)  // SA-1 is still open
            #expect(try cli.ok("call", "delete", "SA-2", as: "sec").stdout.contains("Deleted the draft call SA-2."))
            #expect(try cli.run("call", "show", "SA-2").status == 4)
            try cli.ok("call", "close", "SA-1", as: "sec")
            try cli.ok("call", "decide", "SA-1", as: "fm")
            #expect(try cli.ok("call", "archive", "SA-1", as: "sec").stdout.contains("archived"))

            try cli.ok("user", "edit", "sec", "--email", "sec@fund.example", "--role", "secretariat", "--role", "trainer", as: "admin")
            #expect(try cli.ok("user", "show", "sec").stdout.contains("sec@fund.example"))
            try cli.ok("user", "deactivate", "sec", as: "admin")
            let blocked = try cli.run("training", "course", "add", "PSEA", "--title", "PSEA", "--validity-months", "12", as: "sec")
            // Deactivation ended the sign-in at once; after reactivation the person signs in again.
            #expect(blocked.status == 77)
            #expect(blocked.stderr.contains("no longer valid"))
            #expect(try cli.ok("user", "list", as: "admin").stdout.contains("deactivated since"))
            try cli.ok("user", "reactivate", "sec", as: "admin")
            cli.signOut("sec")
            try cli.ok("training", "course", "add", "PSEA", "--title", "PSEA", "--validity-months", "12", as: "sec")
        }
    }

    @Test func requirementsAndReviewStatesFromTheCommandLine() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            try cli.ok("training", "course", "add", "PSEA", "--title", "PSEA", "--validity-months", "12", as: "sec")
            try cli.ok("training", "requirement", "set-call", "SA-1", "--course", "PSEA", as: "sec")
            try cli.ok("training", "requirement", "set-tranche", "--risk", "high", "--course", "PSEA", as: "sec")
            let all = try cli.ok("training", "requirement", "list")
            #expect(all.stdout.contains("call") && all.stdout.contains("SA-1") && all.stdout.contains("high"))
            let unknown = try cli.run("review", "list", "--state", "late")
            #expect(unknown.status == 64)
            #expect(unknown.stderr.contains("assigned, submitted, recused, overdue"))
            #expect(try cli.ok("review", "list", "--state", "overdue", "--json").stdout.filter { !$0.isWhitespace } == #"{"items":[],"limit":50,"next":null,"total":0,"totalIsEstimate":false}"#)
        }
    }
}
