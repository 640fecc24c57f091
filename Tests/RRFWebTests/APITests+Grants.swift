import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RRFStore
import RRFTestSupport
@testable import RRFWeb
import RRFWorkflow
import Testing

extension APITests {
    /// A proposal of NGO-ALPHA reviewed by rita and rolf, approved by the fund manager and signed from `start`: its grant's reference.
    static func signedGrant(_ store: FundStore, title: String, start: LocalDate) throws -> String {
        let reference = try proposalInReview(store, title: title, requested: "2000 USD")
        let scores = ReviewScoresInput(scores: ["relevance": 4, "feasibility": 4, "value_for_money": 4, "capacity": 4], comments: "Sound plan.", criterionComments: [:])
        for login in ["rita", "rolf"] {
            _ = try store.assignReviewer(reference, reviewer: login, as: "sec")
            _ = try store.submitReview(reference, scores, as: login)
        }
        _ = try store.aggregateReviews(reference, as: "sec")
        _ = try store.decideProposal(reference, .approve(amount: try Money(parsing: "2000 USD"), justification: "Sound."), as: "fm")
        _ = try store.signGrant(reference, signatory: "Amina Yusuf, Director", startDate: start, as: "fm")
        return reference
    }

    /// After signing: the fund manager suspends, resumes and terminates a grant (one de-commitment for a retried key),
    /// tranches are evaluated, the organisation reports, the secretariat returns and accepts its reports and the fund
    /// manager closes the other grant with its refund; the audit log tells it. Other roles are refused.
    @Test func aGrantIsSuspendedResumedReportedOnClosedAndTerminated() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia", "bashir", "sec", "fm", "fin"])
            let today = LocalDate(Date(), utcOffsetMinutes: 0)
            let closing = try Self.signedGrant(store, title: "Latrines", start: today.adding(days: -250))
            let ending = try Self.signedGrant(store, title: "Wells", start: today)
            // The first tranche of the grant that reports is paid: 1,400.00 USD of 2,000.00.
            _ = try store.evaluateTranches(closing, as: "sec")
            _ = try store.approveTranche(closing, sequence: 1, as: "fm")
            let first = try #require(try store.tranches(closing).first)
            _ = try store.releaseTranche(closing, sequence: 1, amount: first.amount, idempotencyKey: "PO-1", as: "fin")
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                try Self.expect(try await api.send(.post, "/grants/\(ending)/tranches/evaluation", token: tokens["nadia"]), .forbidden)
                let evaluated = try await api.send(.post, "/grants/\(ending)/tranches/evaluation", token: tokens["sec"])
                try Self.expect(evaluated, .ok)
                #expect((try evaluated.object()["tranches"] as? [[String: Any]])?.first?["state"] as? String == "ready")

                try Self.expect(try await api.send(.post, "/grants/\(ending)/suspension", token: tokens["sec"], json: #"{"reason": "Audit."}"#), .forbidden)
                let suspended = try await api.send(.post, "/grants/\(ending)/suspension", token: tokens["fm"], json: #"{"reason": "Audit findings."}"#)
                try Self.expect(suspended, .ok)
                #expect(try suspended.object()["state"] as? String == "suspended")
                try Self.expect(try await api.send(.post, "/grants/\(ending)/resumption", token: tokens["nadia"]), .forbidden)
                let resumed = try await api.send(.post, "/grants/\(ending)/resumption", token: tokens["fm"])
                try Self.expect(resumed, .ok)
                #expect(try resumed.object()["state"] as? String == "active")

                // Termination de-commits money: it needs a key and a fund manager, and a retry de-commits nothing more.
                func committed(_ reference: String) throws -> Int64? { try store.ledgerBalances().first { $0.code == "committed:\(reference)" }?.balance.minorUnits }
                let reason = #"{"reason": "The partner stopped operating."}"#
                try Self.expect(try await api.send(.post, "/grants/\(ending)/termination", token: tokens["fm"], json: reason), .badRequest, code: "idempotency_key_missing")
                try Self.expect(try await api.send(.post, "/grants/\(ending)/termination", token: tokens["fin"], json: reason, headers: Self.key("t-1")), .forbidden)
                let terminated = try await api.send(.post, "/grants/\(ending)/termination", token: tokens["fm"], json: reason, headers: Self.key("t-1"))
                try Self.expect(terminated, .ok)
                #expect(try terminated.object()["state"] as? String == "terminated")
                #expect(try committed(ending) == 0)
                try Self.expect(try await api.send(.post, "/grants/\(ending)/termination", token: tokens["fm"], json: reason, headers: Self.key("t-1")), .badRequest)

                // The organisation reports on the grant whose periods have ended; the secretariat returns, then accepts.
                try Self.expect(try await api.send(.post, "/reports/due", token: tokens["nadia"]), .forbidden)
                let due = try await api.send(.post, "/reports/due", token: tokens["sec"])
                try Self.expect(due, .ok)
                let listed = try await api.send(.get, "/grants/\(closing)/reports", token: tokens["nadia"])
                try Self.expect(listed, .ok)
                let reports = try #require(try listed.object()["reports"] as? [[String: Any]])
                #expect(!reports.isEmpty && reports.allSatisfy { $0["state"] as? String == "due" })
                try Self.expect(try await api.send(.get, "/grants/\(closing)/reports", token: tokens["bashir"]), .notFound)
                let report = #"{"narrative": "Latrines built.", "spending": [{"line": "Latrines", "amount": {"amount": "1000.00", "currency": "USD"}}]}"#
                try Self.expect(try await api.send(.post, "/grants/\(closing)/reports/1/submission", token: tokens["bashir"], json: report), .notFound)
                try Self.expect(try await api.send(.post, "/grants/\(closing)/reports/1/submission", token: tokens["nadia"], json: report), .ok)
                try Self.expect(try await api.send(.post, "/grants/\(closing)/reports/1/return", token: tokens["nadia"], json: #"{"comment": "x"}"#), .forbidden)
                let returned = try await api.send(.post, "/grants/\(closing)/reports/1/return", token: tokens["sec"], json: #"{"comment": "Add the receipts."}"#)
                try Self.expect(returned, .ok)
                #expect(try returned.object()["state"] as? String == "returned")
                for (index, _) in reports.enumerated() {
                    let sequence = index + 1
                    try Self.expect(try await api.send(.post, "/grants/\(closing)/reports/\(sequence)/submission", token: tokens["nadia"], json: report), .ok)
                    try Self.expect(try await api.send(.post, "/grants/\(closing)/reports/\(sequence)/acceptance", token: tokens["sec"], json: "{}"), .badRequest, code: "idempotency_key_missing")
                    let accepted = try await api.send(.post, "/grants/\(closing)/reports/\(sequence)/acceptance", token: tokens["sec"], json: "{}", headers: Self.key("a-\(sequence)"))
                    try Self.expect(accepted, .ok)
                    #expect(try accepted.object()["state"] as? String == "accepted")
                }
                try Self.expect(try await api.send(.post, "/grants/\(closing)/reports/1/reopening", token: tokens["sec"], json: #"{"reason": "Typo."}"#), .forbidden)

                // The secretariat's acceptance of the final report leaves the closure, which refunds, to the fund manager.
                try Self.expect(try await api.send(.post, "/grants/\(closing)/closure", token: tokens["fm"]), .badRequest, code: "idempotency_key_missing")
                try Self.expect(try await api.send(.post, "/grants/\(closing)/closure", token: tokens["sec"], headers: Self.key("c-1")), .forbidden)
                let closed = try await api.send(.post, "/grants/\(closing)/closure", token: tokens["fm"], headers: Self.key("c-1"))
                try Self.expect(closed, .ok)
                #expect(try closed.object()["state"] as? String == "closed")
                #expect((try closed.object()["refund"] as? [String: Any])?["amount"] as? String == "400.00")
                try Self.expect(try await api.send(.post, "/grants/\(closing)/closure", token: tokens["fm"], headers: Self.key("c-1")), .badRequest)

                let log = try await api.send(.get, "/grants/\(ending)/log?limit=2", token: tokens["fm"])
                try Self.expect(log, .ok)
                let page = try log.object()
                #expect((page["items"] as? [[String: Any]])?.first?["type"] is String && page["nextCursor"] is String)
                let history = try await api.send(.get, "/grants/\(ending)/log?limit=200", token: tokens["fm"])
                #expect((try history.object()["items"] as? [[String: Any]])?.contains { $0["type"] as? String == "grant.terminated" } == true)
                try Self.expect(try await api.send(.get, "/grants/\(ending)/log", token: tokens["bashir"]), .notFound)
                try api.expectNoSecret(Array(tokens.values) + [BrowserStoryTests.password])
            }
        }
    }
}
