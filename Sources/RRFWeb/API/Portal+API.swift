import Foundation
import HTTPTypes
import Hummingbird
import RRFStore

// The JSON API under /api/v1: one list of operations that both the router and the drift test read (the test
// checks it against openapi.json, method by method), bearer tokens instead of cookies (no CSRF: a browser
// never sends the header by itself), and every refusal as application/problem+json. The store authorises.

/// One operation of the API.
struct APIRoute: Sendable {
    /// How an operation is answered.
    enum Handler: Sendable {
        /// For the person holding the request's bearer token.
        case bearer(@Sendable (Portal, APIRequest) async throws -> Response)
        /// Without authentication (the OpenAPI document).
        case open(@Sendable (Portal) throws -> Response)
    }

    let method: HTTPRequest.Method
    /// The path below ``Portal/apiBase`` as the OpenAPI document writes it, e.g. `/proposals/{reference}`.
    let path: String
    let handler: Handler

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: Handler) {
        self.method = method
        self.path = path
        self.handler = handler
    }
}

extension Portal {
    /// Where the API lives.
    static let apiBase = "/api/v1"

    /// Every operation of the API (each is in the OpenAPI document, with the same method).
    static let apiRoutes: [APIRoute] = [
        APIRoute(.get, "/openapi.json", .open { portal in try portal.openAPIDocument() }),
        APIRoute(.get, "/me", .bearer { _, call in try APIJSON.response(APIUser(call.person)) }),
        APIRoute(.get, "/calls", .bearer { portal, call in try await portal.apiCalls(call) }),
        APIRoute(.get, "/calls/{code}", .bearer { portal, call in try await portal.apiCall(call) }),
        APIRoute(.get, "/calls/{code}/ranking", .bearer { portal, call in try await portal.apiRanking(call) }),
        APIRoute(.post, "/calls/{code}/deposits", .bearer { portal, call in try await portal.apiDeposit(call) }),
        APIRoute(.get, "/proposals", .bearer { portal, call in try await portal.apiProposals(call) }),
        APIRoute(.post, "/proposals", .bearer { portal, call in try await portal.apiSubmitProposal(call) }),
        APIRoute(.get, "/proposals/{reference}", .bearer { portal, call in try await portal.apiProposal(call) }),
        APIRoute(.post, "/proposals/{reference}/withdraw", .bearer { portal, call in try await portal.apiWithdraw(call) }),
        APIRoute(.post, "/proposals/{reference}/screening", .bearer { portal, call in try await portal.apiScreen(call) }),
        APIRoute(.post, "/proposals/{reference}/decision", .bearer { portal, call in try await portal.apiDecide(call) }),
        APIRoute(.get, "/reviews", .bearer { portal, call in try await portal.apiReviews(call) }),
        APIRoute(.get, "/proposals/{reference}/reviews", .bearer { portal, call in try await portal.apiProposalReviews(call) }),
        APIRoute(.post, "/reviews/{reference}/scores", .bearer { portal, call in try await portal.apiSubmitScores(call) }),
        APIRoute(.post, "/reviews/{reference}/conflict", .bearer { portal, call in try await portal.apiDeclareConflict(call) }),
        APIRoute(.get, "/committees", .bearer { portal, call in try await portal.apiCommittees(call) }),
        APIRoute(.get, "/grants", .bearer { portal, call in try await portal.apiGrants(call) }),
        APIRoute(.get, "/grants/{reference}", .bearer { portal, call in try await portal.apiGrant(call) }),
        APIRoute(.post, "/grants/{reference}/signature", .bearer { portal, call in try await portal.apiSignGrant(call) }),
        APIRoute(.get, "/grants/{reference}/tranches", .bearer { portal, call in try await portal.apiTranches(call) }),
        APIRoute(.post, "/grants/{reference}/tranches/{sequence}/approval", .bearer { portal, call in try await portal.apiApproveTranche(call) }),
        APIRoute(.post, "/grants/{reference}/tranches/{sequence}/release", .bearer { portal, call in try await portal.apiReleaseTranche(call) }),
        APIRoute(.get, "/organisations", .bearer { portal, call in try await portal.apiOrganisations(call) }),
        APIRoute(.get, "/organisations/{code}", .bearer { portal, call in try await portal.apiOrganisation(call) }),
        APIRoute(.get, "/ledger/balances", .bearer { portal, call in try await portal.apiLedgerBalances(call) }),
        APIRoute(.get, "/reports/kpis", .bearer { portal, call in try await portal.apiKPIs(call) }),
    ]

    /// Registers every operation of ``apiRoutes`` under ``apiBase``; what no operation takes below it answers
    /// a problem too (``APIFallback``).
    func addAPIRoutes(to router: Router<WebContext>) {
        router.middlewares.add(APIFallback(routes: Self.apiRoutes))
        for route in Self.apiRoutes {
            router.on(RouterPath(Self.apiBase + route.path), method: route.method) { request, context in
                await answerAPI(route, request: request, context: context)
            }
        }
    }

    /// Runs `route`'s handler (for a bearer route, once the token's person is known); any error becomes its problem.
    func answerAPI(_ route: APIRoute, request: Request, context: WebContext) async -> Response {
        do {
            switch route.handler {
            case .open(let handle):
                return try handle(self)
            case .bearer(let handle):
                guard let token = APIRequest.bearerToken(of: request) else { throw APIProblem.bearerMissing }
                let store = runner.store.signedIn(token: token, channel: .api)
                let person = try await runner.run { try store.whoami() }
                return try await handle(self, APIRequest(request: request, context: context, store: store, person: person))
            }
        } catch {
            return APIProblem.answering(error, logger: context.logger).response
        }
    }

    /// The answer of one store call for the token's person: `read` on a store thread, its result as `item`'s JSON.
    func respond<Record: Sendable, Item: Encodable>(
        _ call: APIRequest, status: HTTPResponse.Status = .ok, as item: (Record) -> Item,
        _ read: @escaping @Sendable (FundStore) throws -> Record
    ) async throws -> Response {
        let store = call.store
        return try APIJSON.response(item(try await runner.run { try read(store) }), status: status)
    }

    /// A page of a list: what the store's `read` answers for one more than the page from the cursor's offset,
    /// as `{"items": [...], "nextCursor": …}`.
    func listPage<Record: Sendable, Item: Encodable>(
        _ call: APIRequest, as item: (Record) -> Item, _ read: @escaping @Sendable (FundStore, APIPageRequest) throws -> [Record]
    ) async throws -> Response {
        let page = try call.page()
        return try await respond(call, as: { page.page($0, item) }) { try read($0, page) }
    }

    /// `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document, shipped with the module.
    func openAPIDocument() throws -> Response {
        let url = try Pages.bundledResources().appendingPathComponent("Static/openapi.json")
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(bytes: try Data(contentsOf: url)))
        )
    }
}
