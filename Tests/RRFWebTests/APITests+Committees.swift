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
    /// A proposal of NGO-ALPHA to SA-1, screened into review.
    static func proposalInReview(_ store: FundStore, title: String = "Latrines", requested: String = "1500 USD") throws -> String {
        let proposal = try store.submitProposal(
            ProposalSubmission(
                organisation: "NGO-ALPHA", call: "SA-1", cluster: "health", title: title, summary: "Latrines and hand washing.", locations: ["Dadaab"],
                beneficiaries: 2000, requested: requested, durationMonths: 6, budgetLines: [.init(description: "Latrines", amount: requested)]
            ),
            as: "nadia"
        )
        _ = try store.screenProposal(proposal.reference, passed: true, as: "sec")
        return proposal.reference
    }

    /// The secretariat forms a committee, records a conflict and assigns, reassigns and aggregates reviews through the
    /// API; NGO users and fund managers are refused, and a reviewer sees only their own declarations.
    @Test func theSecretariatFormsCommitteesAndAssignsReviews() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia", "rita", "rolf", "rosa", "sec", "fm"])
            let reference = try Self.proposalInReview(store)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let committee = #"{"code": "PRC-W", "cluster": "wash", "chair": "rolf"}"#
                try Self.expect(try await api.send(.post, "/committees", token: tokens["nadia"], json: committee), .forbidden)
                let created = try await api.send(.post, "/committees", token: tokens["sec"], json: committee)
                try Self.expect(created, .created)
                #expect(created.headers[.location] == "/api/v1/committees/PRC-W")
                try Self.expect(try await api.send(.post, "/committees/PRC-W/members", token: tokens["fm"], json: #"{"member": "rosa"}"#), .forbidden)
                try Self.expect(try await api.send(.post, "/committees/PRC-W/members", token: tokens["sec"], json: #"{"member": "rosa"}"#), .ok)
                let shown = try await api.send(.get, "/committees/PRC-W", token: tokens["sec"])
                try Self.expect(shown, .ok)
                #expect((try shown.object()["members"] as? [[String: Any]])?.compactMap { $0["login"] as? String }.sorted() == ["rolf", "rosa"])
                try Self.expect(try await api.send(.get, "/committees/NOPE", token: tokens["sec"]), .notFound)

                // Conflicts: the secretariat records one for a reviewer; a reviewer lists only their own.
                let conflict = #"{"reviewer": "rosa", "organisation": "NGO-BETA", "reason": "Former employer.", "declaredOn": "2026-11-02"}"#
                try Self.expect(try await api.send(.post, "/conflicts", token: tokens["sec"], json: conflict), .created)
                try Self.expect(try await api.send(.post, "/conflicts", token: tokens["nadia"], json: conflict), .forbidden)
                let all = try await api.send(.get, "/conflicts", token: tokens["sec"])
                try Self.expect(all, .ok)
                #expect((try all.object()["items"] as? [[String: Any]])?.map { $0["reviewer"] as? String } == ["rosa"])
                #expect((try await api.send(.get, "/conflicts", token: tokens["rita"]).object()["items"] as? [Any])?.isEmpty == true)

                // Assignment up to the quorum (2 for PRC-H), then a reassignment to the third member, a recusal and the aggregate.
                try Self.expect(try await api.send(.post, "/reviews/\(reference)/assignments", token: tokens["nadia"], json: #"{"auto": true}"#), .forbidden)
                try Self.expect(try await api.send(.post, "/reviews/\(reference)/assignments", token: tokens["sec"], json: "{}"), .badRequest, code: "body_invalid")
                let assigned = try await api.send(.post, "/reviews/\(reference)/assignments", token: tokens["sec"], json: #"{"auto": true}"#)
                try Self.expect(assigned, .ok)
                let reviewers = try #require((try assigned.object()["reviews"] as? [[String: Any]])?.compactMap { $0["reviewer"] as? String })
                #expect(reviewers.count == 2)
                let free = try #require(["rita", "rolf", "rosa"].first { !reviewers.contains($0) })
                let handover = try Self.json(["from": reviewers[0], "to": free, "reason": "Away on mission."])
                try Self.expect(try await api.send(.post, "/reviews/\(reference)/reassignment", token: tokens["fm"], json: handover), .forbidden)
                let reassigned = try await api.send(.post, "/reviews/\(reference)/reassignment", token: tokens["sec"], json: handover)
                try Self.expect(reassigned, .ok)
                #expect(try reassigned.object()["reviewer"] as? String == free)
                let recused = try await api.send(.post, "/reviews/\(reference)/recusal", token: tokens[reviewers[1]], json: #"{"reason": "I advised on it."}"#)
                try Self.expect(recused, .ok)
                #expect(try recused.object()["state"] as? String == "recused")
                try Self.expect(try await api.send(.post, "/reviews/\(reference)/aggregate", token: tokens["nadia"]), .forbidden)
                let aggregate = try await api.send(.post, "/reviews/\(reference)/aggregate", token: tokens["sec"])
                try Self.expect(aggregate, .ok)
                #expect(try aggregate.object()["aggregate"] == nil)
            }
        }
    }
}
