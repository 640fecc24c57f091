import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RRFStore
import RRFTestSupport
@testable import RRFWeb
import RRFWorkflow
import Testing

/// The JSON API under /api/v1 over a real PostgreSQL, request by request: the document cannot drift from the
/// routes, bearer tokens, problem+json, malformed bodies, paging; the roles' story is in APITests+Story.swift.
@Suite struct APITests {
    /// The story's fund (BrowserStoryTests.fund) with a finance officer, a person who is both fund manager and
    /// finance officer, and donor money in the health envelope; API tokens for each login in `logins`.
    static func fund(_ db: TestDatabase, tokens logins: [String]) throws -> (FundStore, [String: String]) {
        let store = try BrowserStoryTests.fund(db)
        _ = try store.addUser(login: "fin", displayName: "Fiona Finance", roles: [.financeOfficer], as: "admin")
        _ = try store.addUser(login: "dual", displayName: "Dana Both", roles: [.fundManager, .financeOfficer], as: "admin")
        try store.deposit(call: "SA-1", cluster: .health, amount: Money(minorUnits: 10_000_000, currency: try Currency(code: "USD")), donor: "ECHO", as: "fm")
        var tokens: [String: String] = [:]
        for login in logins { tokens[login] = try store.createAPIToken(label: "api tests", days: 1, as: login).secret }
        return (store, tokens)
    }

    @Test func everyRouteIsInTheDocumentWithItsMethodAndNothingElseIs() async throws {
        try await withTestDatabase { db in
            let app = Application(router: try await PortalTests.portal(FundStore(pool: db.pool())).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let answer = try await api.send(.get, "/openapi.json", token: nil)
                #expect(answer.status == .ok && answer.headers[.contentType] == "application/json")
                let document = try answer.object()
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
                let routed = Set(Portal.apiRoutes.map { "\($0.method.rawValue) \($0.path)" })
                #expect(routed.count == Portal.apiRoutes.count, "a route is registered twice")
                #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
                #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented).sorted())")
                // Another method on an address of the API is 405 with what it allows; an unknown address a 404 problem.
                let patch = try await api.send(.patch, "/proposals", token: nil)
                #expect(patch.status == .methodNotAllowed && patch.isProblem && patch.headers[.allow] == "GET, POST")
                let nowhere = try await api.send(.get, "/proposals/RRF-2026-0001/nowhere", token: nil)
                #expect(nowhere.status == .notFound && nowhere.isProblem)
                // Every bearer operation documents the problems of authentication; the document itself is open.
                for route in Portal.apiRoutes {
                    let operation = try #require(paths[route.path]?[route.method.rawValue.lowercased()] as? [String: Any])
                    let responses = try #require(operation["responses"] as? [String: Any])
                    switch route.handler {
                    case .bearer: #expect(responses["401"] != nil && responses["500"] != nil, "\(route.method) \(route.path)")
                    case .open: #expect((operation["security"] as? [Any])?.isEmpty == true)
                    }
                }
            }
        }
    }

    @Test func withoutATokenOrWithABadOneTheAnswerIs401WithHowToAuthenticate() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let none = try await api.send(.get, "/me", token: nil)
                #expect(none.status == .unauthorized && none.isProblem)
                #expect(try none.object()["code"] as? String == "bearer_token_missing")
                #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let basic = try await api.send(.get, "/proposals", token: nil, headers: [.authorization: "Basic bmFkaWE6c2VjcmV0"])
                #expect(basic.status == .unauthorized)
                let bad = try await api.send(.get, "/me", token: "rrf_not-a-token")
                #expect(bad.status == .unauthorized && bad.isProblem)
                #expect(bad.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
                #expect(try bad.object()["type"] as? String == "urn:rrf:problem:sign_in_required")
                // A bad token with a body is refused before the body is read.
                let post = try await api.send(.post, "/proposals", token: "rrf_not-a-token", json: "{not json")
                #expect(post.status == .unauthorized)
                // Cookies are not a way in.
                let cookie = try await api.send(.get, "/me", token: nil, headers: [.cookie: "rrf_session=\(try #require(tokens["nadia"]))"])
                #expect(cookie.status == .unauthorized)
                let me = try await api.send(.get, "/me", token: tokens["nadia"])
                #expect(me.status == .ok)
                let person = try me.object()
                #expect(person["login"] as? String == "nadia" && person["organisations"] as? [String] == ["NGO-ALPHA"])
                // A revoked token stops at once.
                let revoked = try store.accessTokens(as: "nadia").first { $0.kind == .api }
                _ = try store.revokeToken(try #require(revoked).id, as: "nadia")
                #expect(try await api.send(.get, "/me", token: tokens["nadia"]).status == .unauthorized)
                try api.expectNoSecret(Array(tokens.values) + [BrowserStoryTests.password])
            }
        }
    }

    @Test func aMalformedBodyIs400NamingTheField() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["nadia"])
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let nadia = tokens["nadia"]
                var submission = Self.submission(title: "Latrines")
                func refused(_ json: String, field: String?, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                    let answer = try await api.send(.post, "/proposals", token: nadia, json: json)
                    #expect(answer.status == .badRequest && answer.isProblem, sourceLocation: sourceLocation)
                    let problem = try answer.object()
                    #expect(problem["code"] as? String == "body_invalid", sourceLocation: sourceLocation)
                    #expect(problem["field"] as? String == field, sourceLocation: sourceLocation)
                    if let field { #expect((problem["detail"] as? String)?.contains(field) == true, sourceLocation: sourceLocation) }
                }
                try await refused("{not json", field: nil)
                try await refused("[1, 2]", field: nil)
                submission["beneficiaries"] = "many"
                try await refused(try Self.json(submission), field: "beneficiaries")
                submission["beneficiaries"] = 500
                submission["requested"] = ["amount": 1500, "currency": "USD"]
                try await refused(try Self.json(submission), field: "requested.amount")
                submission["requested"] = ["amount": "1500", "currency": "USD"]
                submission["budgetLines"] = [["description": "Latrines", "amount": ["currency": "USD"]]]
                try await refused(try Self.json(submission), field: "budgetLines[0].amount.amount")
                submission["budgetLines"] = [["description": "Latrines", "amount": ["amount": "1500", "currency": "USD"]]]
                submission["title"] = nil
                try await refused(try Self.json(submission), field: "title")
                submission["title"] = "Latrines"
                submission["locations"] = ["Dadaab", "Ifo\u{0}"]
                try await refused(try Self.json(submission), field: "locations[1]")
                submission["locations"] = ["Dadaab"]
                // A rule's refusal is the store's sentence, with its code.
                submission["requested"] = ["amount": "15.001", "currency": "USD"]
                let rule = try await api.send(.post, "/proposals", token: nadia, json: try Self.json(submission))
                #expect(rule.status == .badRequest)
                #expect(try rule.object()["code"] as? String == "amount_too_many_decimals")
                #expect(try store.proposals().isEmpty)
            }
        }
    }

    @Test func aListIsWalkedPageByPageWithoutRepeats() async throws {
        try await withTestDatabase { db in
            let (store, tokens) = try Self.fund(db, tokens: ["sec"])
            for number in 1...5 { _ = try store.registerOrganisation(code: "NGO-P\(number)", name: "Partner \(number)", country: "KE", as: "sec") }
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                var seen: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let answer = try await api.send(.get, "/organisations?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: tokens["sec"])
                    #expect(answer.status == .ok)
                    let page = try answer.object()
                    let items = try #require(page["items"] as? [[String: Any]])
                    #expect(items.count <= 3)
                    seen += items.compactMap { $0["code"] as? String }
                    cursor = page["nextCursor"] as? String
                    #expect(page.keys.contains("nextCursor"))
                    pages += 1
                } while cursor != nil && pages < 10
                #expect(pages == 3)
                #expect(seen == (try store.organisations()).map(\.code))
                #expect(Set(seen).count == 7)
                for query in ["limit=0", "limit=201", "limit=ten", "limit=", "cursor=bm90LWFuLW9mZnNldA", "state=open%00"] {
                    let refused = try await api.send(.get, "/organisations?\(query)", token: tokens["sec"])
                    #expect(refused.status == .badRequest && refused.isProblem, "\(query)")
                }
            }
        }
    }

    // MARK: Helpers

    /// `answer` has `status`; a refusal is a problem with that status, a detail and (when given) `code`.
    static func expect(_ answer: APIClient.Answer, _ status: HTTPResponse.Status, code: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
        if status.code >= 400 {
            #expect(answer.isProblem, sourceLocation: sourceLocation)
            let problem = try answer.object(sourceLocation: sourceLocation)
            #expect(problem["status"] as? Int == status.code && problem["detail"] is String, sourceLocation: sourceLocation)
            if let code { #expect(problem["code"] as? String == code, sourceLocation: sourceLocation) }
        }
    }

    /// The `Idempotency-Key` header `key`.
    static func key(_ key: String) -> HTTPFields { [APIRequest.idempotencyKeyHeader: key] }

    /// A proposal for NGO-ALPHA in the call SA-1, as JSON members.
    static func submission(title: String, requested: String = "1500") -> [String: Any] {
        [
            "organisation": "NGO-ALPHA", "call": "SA-1", "cluster": "health", "title": title, "summary": "Latrines and hand washing.",
            "locations": ["Dadaab"], "beneficiaries": 2000, "durationMonths": 6, "requested": ["amount": requested, "currency": "USD"],
            "budgetLines": [["description": "Latrines", "amount": ["amount": requested, "currency": "USD"]]],
        ]
    }

    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

/// The API as a test talks to it: JSON in and out, every answer kept to check that no secret leaks.
final class APIClient: @unchecked Sendable {
    let client: any TestClientProtocol
    private let lock = NSLock()
    private var texts: [String] = []

    init(_ client: any TestClientProtocol) { self.client = client }

    /// An answer: its status, headers and body.
    struct Answer {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let text: String

        var isProblem: Bool { headers[.contentType] == "application/problem+json" }

        func object(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
        }
    }

    /// Sends `method path` below /api/v1 with the bearer `token`, the JSON body `json` and `headers`.
    func send(_ method: HTTPRequest.Method, _ path: String, token: String?, json: String? = nil, headers: HTTPFields = [:]) async throws -> Answer {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if json != nil { fields[.contentType] = "application/json" }
        let response = try await client.execute(uri: Portal.apiBase + path, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
        let answer = Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
        lock.withLock { texts.append(answer.text + "\n" + answer.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")) }
        return answer
    }

    /// No answer so far showed any of `secrets`, in its body or its headers.
    func expectNoSecret(_ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let answers = lock.withLock { texts }
        #expect(!answers.isEmpty, sourceLocation: sourceLocation)
        for secret in secrets where !secret.isEmpty {
            #expect(!answers.contains { $0.contains(secret) }, "a secret appeared in an answer", sourceLocation: sourceLocation)
        }
    }
}
