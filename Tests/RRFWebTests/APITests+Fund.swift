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
    /// An NGO user saves, edits, submits and discards drafts and resubmits a proposal sent back for revision through
    /// the API; another organisation's user does not see them.
    @Test func anApplicantDraftsSubmitsAndResubmits() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia", "bashir", "rita", "sec"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let started = #"{"organisation": "NGO-ALPHA", "call": "SA-1", "title": "Clinics"}"#
                try Self.expect(try await api.send(.post, "/proposal-drafts", token: tokens["rita"], json: started), .forbidden)
                let saved = try await api.send(.post, "/proposal-drafts", token: tokens["nadia"], json: started)
                try Self.expect(saved, .created)
                let id = try #require(try saved.object()["id"] as? String)
                #expect(saved.headers[.location] == "/api/v1/proposal-drafts/\(id)")
                try Self.expect(try await api.send(.get, "/proposal-drafts/\(id)", token: tokens["bashir"]), .notFound)
                #expect((try await api.send(.get, "/proposal-drafts", token: tokens["bashir"]).object()["items"] as? [Any])?.isEmpty == true)
                var complete = Self.submission(title: "Clinics")
                complete["version"] = try saved.object()["version"] as? Int
                let edited = try await api.send(.put, "/proposal-drafts/\(id)", token: tokens["nadia"], json: try Self.json(complete))
                try Self.expect(edited, .ok)
                #expect(try edited.object()["requested"] as? String == "1500 USD")
                try Self.expect(try await api.send(.put, "/proposal-drafts/\(id)", token: tokens["nadia"], json: try Self.json(complete)), .conflict)
                try Self.expect(try await api.send(.post, "/proposal-drafts/\(id)/submission", token: tokens["bashir"]), .notFound)
                let submitted = try await api.send(.post, "/proposal-drafts/\(id)/submission", token: tokens["nadia"])
                try Self.expect(submitted, .created)
                #expect(try submitted.object()["state"] as? String == "submitted")
                let other = try #require(try await api.send(.post, "/proposal-drafts", token: tokens["nadia"], json: started).object()["id"] as? String)
                try Self.expect(try await api.send(.delete, "/proposal-drafts/\(other)", token: tokens["bashir"]), .notFound)
                try Self.expect(try await api.send(.delete, "/proposal-drafts/\(other)", token: tokens["nadia"]), .noContent)
                try Self.expect(try await api.send(.get, "/proposal-drafts/\(other)", token: tokens["nadia"]), .notFound)

                // Sent back for revision, then resubmitted as a new round by its organisation only.
                let reference = try Self.proposalInReview(store, title: "Wells")
                let scores = ReviewScoresInput(scores: ["relevance": 4, "feasibility": 4, "value_for_money": 4, "capacity": 4], comments: "Sound.", criterionComments: [:])
                for login in ["rita", "rolf"] {
                    _ = try store.assignReviewer(reference, reviewer: login, as: "sec")
                    _ = try store.submitReview(reference, scores, as: login)
                }
                _ = try store.aggregateReviews(reference, as: "sec")
                _ = try store.decideProposal(reference, .requestRevision(reason: "Cost the wells."), as: "fm")
                try Self.expect(try await api.send(.post, "/proposals/\(reference)/resubmission", token: tokens["bashir"]), .notFound)
                try Self.expect(try await api.send(.post, "/proposals/\(reference)/resubmission", token: tokens["rita"]), .forbidden)
                let revised = try Self.json(["revised": Self.submission(title: "Wells, costed", requested: "1800")])
                let resubmitted = try await api.send(.post, "/proposals/\(reference)/resubmission", token: tokens["nadia"], json: revised)
                try Self.expect(resubmitted, .ok)
                #expect(try resubmitted.object()["round"] as? Int == 2 && resubmitted.object()["title"] as? String == "Wells, costed")
                let log = try await api.send(.get, "/proposals/\(reference)/log", token: tokens["nadia"])
                try Self.expect(log, .ok)
                #expect((try log.object()["items"] as? [[String: Any]])?.first?["stream"] as? String == "proposal:\(reference)")
                try Self.expect(try await api.send(.get, "/proposals/\(reference)/log", token: tokens["bashir"]), .notFound)
            }
        }
    }

    /// The fund's configuration and checks through the API: the tranche policy (its change by a fund manager only),
    /// the ledger's verification (finance staff), and the exports the portal serves.
    @Test func theFundsPolicyLedgerAndExportsAreServed() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia", "sec", "fm", "fin"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let current = try await api.send(.get, "/fund/tranche-policy", token: tokens["fm"])
                try Self.expect(current, .ok)
                let version = try #require(try current.object()["version"] as? Int)
                let policy = #"{"percentages": {"low": [60, 40], "medium": [50, 30, 20], "high": [40, 30, 20, 10]}, "spendThresholdPercent": 75, "reason": "Donor request."}"#
                try Self.expect(try await api.send(.put, "/fund/tranche-policy", token: tokens["sec"], json: policy), .forbidden)
                let broken = policy.replacingOccurrences(of: "[60, 40]", with: "[60, 30]")
                try Self.expect(try await api.send(.put, "/fund/tranche-policy", token: tokens["fm"], json: broken), .badRequest, code: "tranche_policy_invalid")
                let changed = try await api.send(.put, "/fund/tranche-policy", token: tokens["fm"], json: policy)
                try Self.expect(changed, .ok)
                #expect(try changed.object()["version"] as? Int == version + 1)
                #expect((try changed.object()["percentages"] as? [String: Any])?["low"] as? [Int] == [60, 40])
                let versions = try await api.send(.get, "/fund/tranche-policy/versions", token: tokens["fm"])
                #expect((try versions.object()["items"] as? [[String: Any]])?.first?["version"] as? Int == version + 1)

                let verified = try await api.send(.get, "/ledger/verification", token: tokens["fin"])
                try Self.expect(verified, .ok)
                #expect(try verified.object()["balanced"] as? Bool == true)
                try Self.expect(try await api.send(.get, "/ledger/verification", token: tokens["nadia"]), .forbidden)

                let proposals = try await api.send(.get, "/exports/calls.csv", token: tokens["fm"])
                try Self.expect(proposals, .ok)
                #expect(proposals.headers[.contentType]?.hasPrefix("text/csv") == true && proposals.text.contains("SA-1"))
                #expect(proposals.headers[.contentDisposition] == "attachment; filename=\"rrf-calls.csv\"")
                let iati = try await api.send(.get, "/exports/iati.xml", token: tokens["fm"])
                try Self.expect(iati, .ok)
                #expect(iati.headers[.contentType]?.hasPrefix("application/xml") == true && iati.text.contains("iati-activities"))
                try Self.expect(try await api.send(.get, "/exports/hxl.csv", token: tokens["sec"]), .ok)
                try Self.expect(try await api.send(.get, "/exports/secrets.csv", token: tokens["fm"]), .notFound)
            }
        }
    }
}
