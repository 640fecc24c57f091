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
    /// The secretariat registers and assesses a partner, a fund manager suspends, reinstates and declares it
    /// ineligible through the API; an NGO user and a reviewer are refused, a bad date is a 400 naming the member.
    @Test func theSecretariatKeepsThePartnerRegister() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia", "rita", "sec", "fm"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let partner = #"{"code": "NGO-GAMMA", "name": "Gamma Care", "country": "KE"}"#
                try Self.expect(try await api.send(.post, "/organisations", token: tokens["nadia"], json: partner), .forbidden)
                let registered = try await api.send(.post, "/organisations", token: tokens["sec"], json: partner)
                try Self.expect(registered, .created)
                #expect(registered.headers[.location] == "/api/v1/organisations/NGO-GAMMA")
                #expect(try registered.object()["state"] as? String == "registered")
                let expires = LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 200).description
                let assessment = #"{"risk": "medium", "dueDiligenceExpires": "\#(expires)"}"#
                try Self.expect(try await api.send(.post, "/organisations/NGO-GAMMA/assessment", token: tokens["fm"], json: assessment), .forbidden)
                let bad = try await api.send(.post, "/organisations/NGO-GAMMA/assessment", token: tokens["sec"], json: #"{"risk": "medium", "dueDiligenceExpires": "soon"}"#)
                try Self.expect(bad, .badRequest, code: "body_invalid")
                #expect(try bad.object()["field"] as? String == "dueDiligenceExpires")
                let assessed = try await api.send(.post, "/organisations/NGO-GAMMA/assessment", token: tokens["sec"], json: assessment)
                try Self.expect(assessed, .ok)
                #expect(try assessed.object()["risk"] as? String == "medium")

                try Self.expect(try await api.send(.post, "/organisations/NGO-GAMMA/suspension", token: tokens["rita"], json: #"{"reason": "Audit."}"#), .forbidden)
                let suspended = try await api.send(.post, "/organisations/NGO-GAMMA/suspension", token: tokens["fm"], json: #"{"reason": "Audit findings."}"#)
                try Self.expect(suspended, .ok)
                #expect(try suspended.object()["state"] as? String == "suspended")
                try Self.expect(try await api.send(.post, "/organisations/NGO-GAMMA/reinstatement", token: tokens["nadia"]), .forbidden)
                let reinstated = try await api.send(.post, "/organisations/NGO-GAMMA/reinstatement", token: tokens["fm"])
                try Self.expect(reinstated, .ok)
                #expect(try reinstated.object()["state"] as? String != "suspended")
                let until = LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 90).description
                let ineligible = try await api.send(.post, "/organisations/NGO-GAMMA/ineligibility", token: tokens["sec"], json: #"{"until": "\#(until)", "reason": "Fraud case."}"#)
                try Self.expect(ineligible, .ok)
                #expect(try ineligible.object()["state"] as? String == "ineligible" && ineligible.object()["ineligibleUntil"] as? String == until)
                try Self.expect(try await api.send(.post, "/organisations/NGO-NONE/suspension", token: tokens["fm"], json: #"{"reason": "x"}"#), .notFound)
            }
        }
    }
}
