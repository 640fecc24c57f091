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
    /// The administrator adds, invites, unlocks, edits, deactivates and reactivates a user through the API; the
    /// secretariat may list people but not add them, and no answer holds an invitation's link.
    @Test func theAdministratorManagesUsers() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["admin", "sec", "nadia"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let user = #"{"login": "tom", "displayName": "Tom Trainer", "email": "tom@fund.example", "roles": ["trainer"]}"#
                try Self.expect(try await api.send(.post, "/users", token: tokens["sec"], json: user), .forbidden)
                let refused = try await api.send(.post, "/users", token: tokens["admin"], json: #"{"login": "tom", "displayName": "Tom", "roles": ["wizard"]}"#)
                try Self.expect(refused, .badRequest, code: "body_invalid")
                #expect(try refused.object()["field"] as? String == "roles[0]")
                let added = try await api.send(.post, "/users", token: tokens["admin"], json: user)
                try Self.expect(added, .created)
                #expect(added.headers[.location] == "/api/v1/users/tom")
                let invited = try await api.send(.post, "/users/tom/invitation", token: tokens["admin"])
                try Self.expect(invited, .ok)
                #expect(try invited.object()["purpose"] as? String == "invitation")
                #expect(!invited.text.contains(try db.invitationLink(for: "tom")))
                try Self.expect(try await api.send(.post, "/users/tom/invitation", token: tokens["sec"]), .forbidden)
                try Self.expect(try await api.send(.post, "/users/rita/unlock", token: tokens["admin"]), .noContent)
                try Self.expect(try await api.send(.post, "/users/rita/unlock", token: tokens["nadia"]), .forbidden)
                try Self.expect(try await api.send(.post, "/users/tom/unlock", token: tokens["admin"]), .notFound)
                let edited = try await api.send(.patch, "/users/tom", token: tokens["admin"], json: #"{"displayName": "Tom Teacher", "roles": ["trainer", "reviewer"]}"#)
                try Self.expect(edited, .ok)
                #expect(try edited.object()["displayName"] as? String == "Tom Teacher")
                #expect(Set(try edited.object()["roles"] as? [String] ?? []) == ["trainer", "reviewer"])
                try Self.expect(try await api.send(.patch, "/users/tom", token: tokens["sec"], json: #"{"displayName": "Mischief"}"#), .forbidden)
                let deactivated = try await api.send(.post, "/users/tom/deactivate", token: tokens["admin"])
                try Self.expect(deactivated, .ok)
                #expect(try deactivated.object()["active"] as? Bool == false)
                try Self.expect(try await api.send(.post, "/users/tom/reactivate", token: tokens["sec"]), .forbidden)
                let reactivated = try await api.send(.post, "/users/tom/reactivate", token: tokens["admin"], json: "{}")
                try Self.expect(reactivated, .ok)
                #expect(try reactivated.object()["active"] as? Bool == true)

                let trainers = try await api.send(.get, "/users?role=trainer", token: tokens["sec"])
                try Self.expect(trainers, .ok)
                #expect((try trainers.object()["items"] as? [[String: Any]])?.map { $0["login"] as? String } == ["tom"])
                try Self.expect(try await api.send(.get, "/users?role=wizard", token: tokens["sec"]), .badRequest)
                try Self.expect(try await api.send(.get, "/users/tom", token: tokens["sec"]), .ok)
                try Self.expect(try await api.send(.get, "/users/nobody", token: tokens["sec"]), .notFound)
                // The refusals above are in the security log, for administrators only.
                let refusals = try await api.send(.get, "/security/refusals?kind=authorisation&actor=sec", token: tokens["admin"])
                try Self.expect(refusals, .ok)
                #expect((try refusals.object()["items"] as? [[String: Any]])?.contains { $0["command"] as? String == "user.add" } == true)
                try Self.expect(try await api.send(.get, "/security/refusals", token: tokens["sec"]), .forbidden)
                for query in ["since=", "since=yesterday", "kind=mischief"] {
                    try Self.expect(try await api.send(.get, "/security/refusals?\(query)", token: tokens["admin"]), .badRequest, code: "parameter_invalid")
                }
                try api.expectNoSecret(Array(tokens.values) + [BrowserStoryTests.password])
            }
        }
    }

    /// A person creates an API token (its secret answered once), lists their tokens without secrets and revokes
    /// it, which stops it at once; another person cannot revoke it.
    @Test func aPersonCreatesListsAndRevokesTheirTokens() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia", "bashir"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                try Self.expect(try await api.send(.post, "/tokens", token: tokens["nadia"], json: #"{"label": "dashboard", "days": 365}"#), .badRequest)
                let created = try await api.send(.post, "/tokens", token: tokens["nadia"], json: #"{"label": "dashboard", "days": 30}"#)
                try Self.expect(created, .created)
                let secret = try #require(try created.object()["secret"] as? String)
                let id = try #require((try created.object()["token"] as? [String: Any])?["id"] as? String)
                #expect(try await api.send(.get, "/me", token: secret).object()["login"] as? String == "nadia")
                let listed = try await api.send(.get, "/tokens", token: tokens["nadia"])
                try Self.expect(listed, .ok)
                #expect((try listed.object()["items"] as? [[String: Any]])?.contains { $0["id"] as? String == id && $0["label"] as? String == "dashboard" } == true)
                let own = try #require(tokens["nadia"])
                #expect(!listed.text.contains(secret) && !listed.text.contains(own))
                try Self.expect(try await api.send(.get, "/tokens?all=true", token: tokens["nadia"]), .forbidden)
                try Self.expect(try await api.send(.delete, "/tokens/\(id)", token: tokens["bashir"]), .notFound)
                try Self.expect(try await api.send(.delete, "/tokens/not-an-id", token: tokens["nadia"]), .badRequest, code: "parameter_invalid")
                let revoked = try await api.send(.delete, "/tokens/\(id)", token: tokens["nadia"])
                try Self.expect(revoked, .ok)
                #expect(try revoked.object()["revokedAt"] is String)
                try Self.expect(try await api.send(.get, "/me", token: secret), .unauthorized)
            }
        }
    }
}
