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
            let review = ISO8601DateFormatter().string(from: Date().addingTimeInterval(40 * 86_400))
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
