import Foundation
import Postgres
import RRFTestSupport
import Testing

@Suite(.serialized) struct GrantCommandTests {
    @Test func fromApprovalToReleaseAndTheLedger() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin")
            try cli.ok("user", "add", "sec", "--name", "Sam Secretariat", "--role", "secretariat", as: "admin")
            try cli.ok("user", "add", "fm", "--name", "Fatima Manager", "--role", "fund_manager", as: "admin")
            try cli.ok("user", "add", "fin", "--name", "Fiona Finance", "--role", "finance_officer", as: "admin")
            try cli.ok("org", "register", "NGO-ALPHA", "--name", "Alpha Relief", "--country", "KE", as: "sec")
            let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(300 * 86_400)).prefix(10)
            try cli.ok("org", "assess", "NGO-ALPHA", "--risk", "low", "--expires", String(expires), as: "sec")
            try cli.ok("user", "add", "ngo", "--name", "Nadia", "--role", "ngo_user", "--organisation", "NGO-ALPHA", as: "admin")
            let deadline = ISO8601DateFormatter().string(from: Date().addingTimeInterval(20 * 86_400))
            let review = ISO8601DateFormatter().string(from: Date().addingTimeInterval(30 * 86_400))
            try cli.ok(
                "call", "create", "SA-1", "--title", "Floods 2026", "--currency", "USD", "--ceiling", "50000 USD",
                "--submission-deadline", deadline, "--review-deadline", review, "--envelope", "health=100000 USD", as: "sec"
            )
            try cli.ok("call", "open", "SA-1", as: "sec")
            let deposit = try cli.ok("fund", "deposit", "--call", "SA-1", "--cluster", "health", "--amount", "20000.00 USD", "--donor", "ECHO", as: "fin")
            #expect(deposit.stdout.contains("envelope:SA-1:health now holds 20,000.00 USD"))
            let reference = try cli.submitProposal(requested: "12500.01")
            let connection = try db.connect()
            defer { connection.close() }
            try connection.query("UPDATE proposals SET state = 'scored' WHERE reference = $1", [reference])
            try cli.ok("proposal", "decide", reference, "approve", "--amount", "12500.01 USD", "--justification", "Urgent.", as: "fm")

            let signed = try cli.ok("grant", "sign", reference, "--signatory", "Amina Yusuf, Director", as: "fm")
            // Low risk: 70/30, the remainder to the last tranche.
            #expect(signed.stdout.contains("8,750.00 USD"))
            #expect(signed.stdout.contains("3,750.01 USD"))
            let evaluated = try cli.ok("tranche", "evaluate", reference, as: "sec")
            #expect(evaluated.stdout.contains("ready"))
            try cli.ok("tranche", "approve", reference, "1", as: "fm")
            let released = try cli.ok("tranche", "release", reference, "1", "--amount", "8750.00 USD", "--idempotency-key", "PO-1", as: "fin")
            #expect(released.stdout.contains("released by fin"))
            let again = try cli.ok("tranche", "release", reference, "1", "--amount", "8750.00 USD", "--idempotency-key", "PO-1", as: "fin")
            #expect(again.stdout.contains("already used"))
            let reused = try cli.run("tranche", "release", reference, "1", "--amount", "8750.01 USD", "--idempotency-key", "PO-1", as: "fin")
            #expect(reused.status == 3)
            #expect(reused.stderr.contains("idempotency key"))

            let balances = try cli.ok("ledger", "balance", "--json")
            let accounts = try #require(try JSONSerialization.jsonObject(with: Data(balances.stdout.utf8)) as? [[String: Any]])
            #expect(accounts.count == 4)
            #expect(try cli.ok("ledger", "balance").stdout.contains("released:\(reference)"))
            let reports = try cli.ok("report", "list", reference)
            #expect(reports.stdout.contains("final"))
            #expect(try cli.ok("audit", "verify").stdout.contains("intact"))
            #expect(try cli.ok("ledger", "verify").stdout.contains("consistent"))

            // A balance edited behind the ledger's back fails the verification.
            try connection.execute("UPDATE ledger_accounts SET balance_minor = balance_minor + 1 WHERE code = 'refunds:USD' OR kind = 'envelope'")
            let broken = try cli.run("audit", "verify")
            #expect(broken.status == 3)
            #expect(broken.stderr.contains("ledger is inconsistent"))
        }
    }
}

/// Issue 13 item 1 at the door people use: no per-run override of the tranche policy; the policy is shown,
/// changed by a fund manager with a reason and audited; `report reopen` is there for fund managers.
@Suite(.serialized) struct TranchePolicyCommandTests {
    @Test func thePolicyIsShownChangedByAFundManagerAndNeverWaivedForOneRun() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            let waived = try cli.run("tranche", "evaluate", "RRF-2026-0001", "--spend-threshold", "0", as: "sec")
            #expect(waived.status == 64, "no per-run override: \(waived.stderr)")
            let shown = try cli.ok("fund", "policy", "show")
            #expect(shown.stdout.contains("50/30/20"))
            #expect(shown.stdout.contains("70 %"))
            let file = try db.scratchFile("policy-\(UUID().uuidString).yaml")
            defer { try? FileManager.default.removeItem(at: file) }
            try """
                percentages: {low: [70, 30], medium: [50, 30, 20], high: [40, 30, 20, 10]}
                spendThresholdPercent: 80
                """.write(to: file, atomically: true, encoding: .utf8)
            let refused = try cli.run("fund", "policy", "set", "--file", file.path, "--reason", "Stricter", as: "sec")
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("fund manager"), "\(refused.stderr)")
            let changed = try cli.ok("fund", "policy", "set", "--file", file.path, "--reason", "Board decision", as: "fm")
            #expect(changed.stdout.contains("version 2"))
            let history = try cli.ok("fund", "policy", "history", "--json")
            let versions = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
            #expect(versions.map { $0["version"] as? Int } == [2, 1])
            try """
                percentages: {low: [70, 20], medium: [100], high: [100]}
                spendThresholdPercent: 80
                """.write(to: file, atomically: true, encoding: .utf8)
            let invalid = try cli.run("fund", "policy", "set", "--file", file.path, "--reason", "Typo", as: "fm")
            #expect(invalid.status != 0)
            #expect(invalid.stderr.contains("add up to 100"), "\(invalid.stderr)")
            #expect(try cli.ok("report", "reopen", "--help").stdout.contains("Reopen an accepted report"))
        }
    }
}
