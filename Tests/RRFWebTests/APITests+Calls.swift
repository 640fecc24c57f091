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
    /// A new call (`POST /calls`) as JSON: SA-2 in USD with a health envelope, deadlines 20 and 30 days ahead.
    static func callBody(code: String) throws -> String {
        let formatter = ISO8601DateFormatter()
        return try json([
            "code": code, "title": "Cholera response", "currency": "USD", "perProposalCeiling": ["amount": "25000", "currency": "USD"],
            "submissionDeadline": formatter.string(from: Date().addingTimeInterval(20 * 86_400)),
            "reviewDeadline": formatter.string(from: Date().addingTimeInterval(30 * 86_400)),
            "envelopes": [["cluster": "health", "amount": ["amount": "50000", "currency": "USD"]]],
        ])
    }

    /// The secretariat sets a call up and takes it from draft to archived through the API; an NGO user may not, the
    /// secretariat may not mark it decided, a stale version is 409 and a bad time a 400 naming the member.
    @Test func theSecretariatSetsUpACallAndTakesItThroughItsLifecycle() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia", "sec", "fm"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                try Self.expect(try await api.send(.post, "/calls", token: tokens["nadia"], json: try Self.callBody(code: "SA-2")), .forbidden)
                let created = try await api.send(.post, "/calls", token: tokens["sec"], json: try Self.callBody(code: "SA-2"))
                try Self.expect(created, .created)
                #expect(created.headers[.location] == "/api/v1/calls/SA-2")
                #expect(try created.object()["state"] as? String == "draft")
                var bad = try JSONSerialization.jsonObject(with: Data(try Self.callBody(code: "SA-3").utf8)) as? [String: Any] ?? [:]
                bad["submissionDeadline"] = "next Tuesday"
                let refused = try await api.send(.post, "/calls", token: tokens["sec"], json: try Self.json(bad))
                try Self.expect(refused, .badRequest, code: "body_invalid")
                #expect(try refused.object()["field"] as? String == "submissionDeadline")

                let edited = try await api.send(.patch, "/calls/SA-2", token: tokens["sec"], json: #"{"title": "Cholera in the north", "quorum": 2}"#)
                try Self.expect(edited, .ok)
                #expect(try edited.object()["title"] as? String == "Cholera in the north" && edited.object()["quorum"] as? Int == 2)
                try Self.expect(try await api.send(.patch, "/calls/SA-2", token: tokens["sec"], json: #"{"title": "Late", "version": 99}"#), .conflict)
                let envelopes = #"{"envelopes": [{"cluster": "health", "amount": {"amount": "40000", "currency": "USD"}}, {"cluster": "wash", "amount": {"amount": "20000", "currency": "USD"}}]}"#
                let funded = try await api.send(.put, "/calls/SA-2/envelopes", token: tokens["sec"], json: envelopes)
                try Self.expect(funded, .ok)
                #expect((try funded.object()["envelopes"] as? [[String: Any]])?.map { $0["cluster"] as? String } == ["health", "wash"])
                try Self.expect(try await api.send(.put, "/calls/SA-2/envelopes", token: tokens["fm"], json: envelopes), .forbidden)
                let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
                let scheduled = try await api.send(.post, "/calls/SA-2/scheduled-opening", token: tokens["sec"], json: #"{"at": "\#(at)"}"#)
                try Self.expect(scheduled, .ok)
                #expect(try scheduled.object()["state"] as? String == "draft")

                try Self.expect(try await api.send(.post, "/calls/SA-2/open", token: tokens["nadia"]), .forbidden)
                for (step, login, state) in [("open", "sec", "open"), ("close", "sec", "closed"), ("decide", "fm", "decided"), ("archive", "sec", "archived")] {
                    if step == "decide" { try Self.expect(try await api.send(.post, "/calls/SA-2/decide", token: tokens["sec"]), .forbidden) }
                    let answer = try await api.send(.post, "/calls/SA-2/\(step)", token: tokens[login], json: "{}")
                    try Self.expect(answer, .ok)
                    #expect(try answer.object()["state"] as? String == state, "\(step)")
                }
                #expect(try store.call("SA-2").state == "archived")

                // A draft that never opened can be deleted, by the secretariat only.
                try Self.expect(try await api.send(.post, "/calls", token: tokens["sec"], json: try Self.callBody(code: "SA-3")), .created)
                try Self.expect(try await api.send(.delete, "/calls/SA-3", token: tokens["nadia"]), .forbidden)
                try Self.expect(try await api.send(.delete, "/calls/SA-3?version=7", token: tokens["sec"]), .conflict)
                try Self.expect(try await api.send(.delete, "/calls/SA-3", token: tokens["sec"]), .noContent)
                try Self.expect(try await api.send(.get, "/calls/SA-3", token: tokens["sec"]), .notFound)
                try Self.expect(try await api.send(.delete, "/calls/SA-1", token: tokens["sec"]), .badRequest)
            }
        }
    }
}
