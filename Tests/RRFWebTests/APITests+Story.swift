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
    /// A proposal from submission to its first tranche through the API, each role doing what the store allows
    /// and refused (403 for a role, 404 for what is out of scope) otherwise; the release paid once for one key.
    @Test func eachRoleDoesWhatTheStoreAllowsAndAReleaseWithOneKeyPaysOnce() async throws {
        try await withTestDatabase { db in
            let logins = ["nadia", "bashir", "rita", "rolf", "rosa", "sec", "fm", "fin", "dual"]
            let (store, tokens) = try Self.fund(db, tokens: logins)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                func token(_ login: String) -> String? { tokens[login] }
                // Nadia submits; Bashir (another organisation) and a reviewer not assigned do not see it.
                let submitted = try await api.send(.post, "/proposals", token: token("nadia"), json: try Self.json(Self.submission(title: "Latrines", requested: "20000")))
                try Self.expect(submitted, .created)
                let reference = try #require(try submitted.object()["reference"] as? String)
                #expect(submitted.headers[.location] == "/api/v1/proposals/\(reference)")
                #expect((try submitted.object()["requested"] as? [String: Any])?["minorUnits"] as? Int == 2_000_000)
                try Self.expect(try await api.send(.get, "/proposals/\(reference)", token: token("bashir")), .notFound, code: "not_found")
                let bashirs = try await api.send(.get, "/proposals", token: token("bashir"))
                #expect((try bashirs.object()["items"] as? [Any])?.isEmpty == true)
                try Self.expect(try await api.send(.post, "/proposals/\(reference)/withdraw", token: token("bashir"), json: #"{"reason": "Mischief"}"#), .notFound)
                let stale = #"{"reason": "Duplicate.", "version": 99}"#
                try Self.expect(try await api.send(.post, "/proposals/\(reference)/withdraw", token: token("nadia"), json: stale), .conflict, code: "changed_since_loaded")

                // Screening is the secretariat's.
                try Self.expect(try await api.send(.post, "/proposals/\(reference)/screening", token: token("nadia"), json: #"{"passed": true}"#), .forbidden)
                let screened = try await api.send(.post, "/proposals/\(reference)/screening", token: token("sec"), json: #"{"passed": true}"#)
                try Self.expect(screened, .ok)
                #expect(try screened.object()["state"] as? String == "in_review")

                // Two reviewers score, blind until their own scores are in; a third declares a conflict and then sees nothing of it.
                for login in ["rita", "rolf", "rosa"] { _ = try store.assignReviewer(reference, reviewer: login, as: "sec") }
                let committees = try await api.send(.get, "/committees?call=SA-1", token: token("sec"))
                try Self.expect(committees, .ok)
                let members = (try committees.object()["committees"] as? [[String: Any]])?.first?["members"] as? [[String: Any]]
                #expect(members?.map { $0["openAssignments"] as? Int } == [1, 1, 1])
                let conflict = try await api.send(.post, "/reviews/\(reference)/conflict", token: token("rosa"), json: #"{"reason": "I sit on its board."}"#)
                try Self.expect(conflict, .created)
                #expect(try conflict.object()["organisation"] as? String == "NGO-ALPHA")
                try Self.expect(try await api.send(.get, "/proposals/\(reference)", token: token("rosa")), .notFound)
                let rosas = try await api.send(.get, "/proposals", token: token("rosa"))
                #expect((try rosas.object()["items"] as? [Any])?.isEmpty == true)
                let blind = try await api.send(.get, "/proposals/\(reference)/reviews", token: token("rolf"))
                try Self.expect(blind, .ok)
                #expect(!blind.text.contains("Reviewer Rita"))
                #expect(try blind.object()["aggregate"] == nil)
                let assignments = try await api.send(.get, "/reviews", token: token("rita"))
                try Self.expect(assignments, .ok)
                #expect((try assignments.object()["items"] as? [[String: Any]])?.map { $0["reference"] as? String } == [reference])
                let scores = #"{"scores": {"relevance": 4, "feasibility": 4, "value_for_money": 4, "capacity": 4}, "comments": "Sound plan."}"#
                try Self.expect(try await api.send(.post, "/reviews/\(reference)/scores", token: token("rosa"), json: scores), .badRequest, code: "reviewer_conflict_declared")
                for login in ["rita", "rolf"] {
                    try Self.expect(try await api.send(.post, "/reviews/\(reference)/scores", token: token(login), json: scores), .ok)
                }
                _ = try store.aggregateReviews(reference, as: "sec")
                let panel = try await api.send(.get, "/proposals/\(reference)/reviews", token: token("rolf"))
                try Self.expect(panel, .ok)
                #expect(((try panel.object()["aggregate"] as? [String: Any])?["totals"] as? [String])?.count == 2)
                try Self.expect(try await api.send(.get, "/proposals/\(reference)/reviews", token: token("bashir")), .notFound)

                // The ranking is staff's; the decision needs an Idempotency-Key and a fund manager.
                try Self.expect(try await api.send(.get, "/calls/SA-1/ranking", token: token("nadia")), .forbidden)
                let ranking = try await api.send(.get, "/calls/SA-1/ranking?cluster=health", token: token("fm"))
                try Self.expect(ranking, .ok)
                #expect(ranking.text.contains(reference))
                let approve = #"{"decision": "approve", "amount": {"amount": "15000.50", "currency": "USD"}, "justification": "Sound, for less."}"#
                try Self.expect(try await api.send(.post, "/proposals/\(reference)/decision", token: token("fm"), json: approve), .badRequest, code: "idempotency_key_missing")
                try Self.expect(
                    try await api.send(.post, "/proposals/\(reference)/decision", token: token("sec"), json: approve, headers: [APIRequest.idempotencyKeyHeader: "d-1"]),
                    .forbidden
                )
                let decided = try await api.send(.post, "/proposals/\(reference)/decision", token: token("fm"), json: approve, headers: [APIRequest.idempotencyKeyHeader: "d-1"])
                try Self.expect(decided, .ok)
                let decision = try #require(try decided.object()["decision"] as? [String: Any])
                #expect((decision["approved"] as? [String: Any])?["amount"] as? String == "15000.50")
                // A retried decision commits nothing more.
                try Self.expect(
                    try await api.send(.post, "/proposals/\(reference)/decision", token: token("fm"), json: approve, headers: [APIRequest.idempotencyKeyHeader: "d-1"]),
                    .badRequest
                )
                #expect(try store.ledgerBalances().first { $0.code == "committed:\(reference)" }?.balance.minorUnits == 1_500_050)

                // The fund manager signs; the dual-role person approves the first tranche and cannot also release it.
                let signed = try await api.send(.post, "/grants/\(reference)/signature", token: token("fm"), json: #"{"signatory": "Amina Yusuf, Director"}"#)
                try Self.expect(signed, .ok)
                #expect(try signed.object()["state"] as? String == "active")
                try store.evaluateTranches(reference, trainingShortfalls: [], as: "sec")
                let tranches = try await api.send(.get, "/grants/\(reference)/tranches", token: token("nadia"))
                try Self.expect(tranches, .ok)
                let first = try #require((try tranches.object()["tranches"] as? [[String: Any]])?.first)
                #expect(first["state"] as? String == "ready")
                let amount = try #require(first["amount"] as? [String: Any])
                let release = try Self.json(["amount": amount])
                try Self.expect(try await api.send(.post, "/grants/\(reference)/tranches/1/approval", token: token("fin")), .forbidden)
                try Self.expect(try await api.send(.post, "/grants/\(reference)/tranches/1/approval", token: token("dual")), .ok)
                try Self.expect(try await api.send(.post, "/grants/\(reference)/tranches/one/approval", token: token("dual")), .badRequest, code: "parameter_invalid")
                try Self.expect(
                    try await api.send(.post, "/grants/\(reference)/tranches/1/release", token: token("dual"), json: release, headers: [APIRequest.idempotencyKeyHeader: "r-0"]),
                    .badRequest, code: "same_person_release"
                )
                try Self.expect(
                    try await api.send(.post, "/grants/\(reference)/tranches/1/release", token: token("fm"), json: release, headers: [APIRequest.idempotencyKeyHeader: "r-1"]),
                    .forbidden
                )
                try Self.expect(try await api.send(.post, "/grants/\(reference)/tranches/1/release", token: token("fin"), json: release), .badRequest, code: "idempotency_key_missing")

                // The finance officer releases twice with one key: one payment, the second answer a replay.
                var answers: [[String: Any]] = []
                for _ in 1...2 {
                    let released = try await api.send(
                        .post, "/grants/\(reference)/tranches/1/release", token: token("fin"), json: release, headers: [APIRequest.idempotencyKeyHeader: "PO-2026-118"]
                    )
                    try Self.expect(released, .ok)
                    answers.append(try released.object())
                }
                #expect(answers.map { $0["replayed"] as? Bool } == [false, true])
                #expect(answers[0]["ledgerTransaction"] as? Int == answers[1]["ledgerTransaction"] as? Int)
                let minor = try #require(amount["minorUnits"] as? Int)
                let balances = try await api.send(.get, "/ledger/balances", token: token("fin"))
                try Self.expect(balances, .ok)
                let accounts = try #require(try balances.object()["accounts"] as? [[String: Any]])
                let paid = accounts.first { $0["code"] as? String == "released:\(reference)" }?["balance"] as? [String: Any]
                #expect(paid?["minorUnits"] as? Int == minor)
                #expect(try store.ledgerBalances().first { $0.code == "released:\(reference)" }?.balance.minorUnits == Int64(minor))
                try Self.expect(try await api.send(.get, "/ledger/balances", token: token("nadia")), .forbidden)

                // A donor deposit needs a key and a finance role; the same key and deposit again deposit nothing more.
                func envelope() throws -> Int64? { try store.ledgerBalances().first { $0.code == "envelope:SA-1:health" }?.balance.minorUnits }
                let before = try #require(try envelope())
                let deposit = #"{"cluster": "health", "amount": {"amount": "500.00", "currency": "USD"}, "donor": "ECHO"}"#
                try Self.expect(try await api.send(.post, "/calls/SA-1/deposits", token: token("fin"), json: deposit), .badRequest, code: "idempotency_key_missing")
                try Self.expect(try await api.send(.post, "/calls/SA-1/deposits", token: token("nadia"), json: deposit, headers: [APIRequest.idempotencyKeyHeader: "dep-0"]), .forbidden)
                var deposited: [String] = []
                for _ in 1...2 {
                    let answer = try await api.send(.post, "/calls/SA-1/deposits", token: token("fin"), json: deposit, headers: [APIRequest.idempotencyKeyHeader: "ECHO-2026-7"])
                    try Self.expect(answer, .ok)
                    deposited.append(answer.text)
                }
                #expect(deposited[0] == deposited[1] && deposited[0].contains(#""minorUnits":\#(before + 50_000)"#))
                #expect(try envelope() == before + 50_000)
                let other = deposit.replacingOccurrences(of: "500.00", with: "600.00")
                try Self.expect(
                    try await api.send(.post, "/calls/SA-1/deposits", token: token("fin"), json: other, headers: [APIRequest.idempotencyKeyHeader: "ECHO-2026-7"]),
                    .badRequest, code: "idempotency_key_reused"
                )
                #expect(try envelope() == before + 50_000)

                // Reads of the fund, each as the store scopes them.
                let kpis = try await api.send(.get, "/reports/kpis", token: token("fm"))
                try Self.expect(kpis, .ok)
                #expect((try kpis.object()["proposalsByState"] as? [String: Int])?["approved"] == 1)
                try Self.expect(try await api.send(.get, "/reports/kpis", token: token("rita")), .forbidden)
                let grants = try await api.send(.get, "/grants", token: token("nadia"))
                #expect((try grants.object()["items"] as? [[String: Any]])?.map { $0["reference"] as? String } == [reference])
                #expect((try await api.send(.get, "/grants", token: token("bashir")).object()["items"] as? [Any])?.isEmpty == true)
                try Self.expect(try await api.send(.get, "/grants/\(reference)", token: token("bashir")), .notFound)
                try Self.expect(try await api.send(.get, "/organisations/NGO-ALPHA", token: token("bashir")), .notFound)
                #expect(try await api.send(.get, "/organisations/NGO-ALPHA", token: token("nadia")).object()["risk"] as? String == "low")
                let organisations = try await api.send(.get, "/organisations", token: token("bashir"))
                #expect((try organisations.object()["items"] as? [[String: Any]])?.map { $0["code"] as? String } == ["NGO-BETA"])
                let call = try await api.send(.get, "/calls/SA-1", token: token("nadia"))
                try Self.expect(call, .ok)
                #expect((try call.object()["decisionSLA"] as? [String: Any])?["unit"] as? String == "business_days")
                #expect(!call.text.contains("_0"))
                try Self.expect(try await api.send(.get, "/calls/NOPE-9", token: token("nadia")), .notFound)
                #expect(((try await api.send(.get, "/calls?state=open", token: token("nadia")).object())["items"] as? [Any])?.count == 1)

                // Withdrawal by the applicant of a decided proposal is the machine's refusal.
                try Self.expect(try await api.send(.post, "/proposals/\(reference)/withdraw", token: token("nadia"), json: #"{"reason": "No longer needed."}"#), .badRequest)
                try api.expectNoSecret(Array(tokens.values) + [BrowserStoryTests.password])
            }
        }
    }
}
