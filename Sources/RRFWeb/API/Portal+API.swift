import Foundation
import Postgres
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
        APIRoute(.post, "/calls", .bearer { portal, call in try await portal.apiCreateCall(call) }),
        APIRoute(.patch, "/calls/{code}", .bearer { portal, call in try await portal.apiEditCall(call) }),
        APIRoute(.delete, "/calls/{code}", .bearer { portal, call in try await portal.apiDeleteCall(call) }),
        APIRoute(.put, "/calls/{code}/envelopes", .bearer { portal, call in try await portal.apiSetEnvelopes(call) }),
        APIRoute(.post, "/calls/{code}/open", .bearer { portal, call in try await portal.apiCallStep(call) { try $0.openCall($1, expectedVersion: $2, as: "") } }),
        APIRoute(.post, "/calls/{code}/scheduled-opening", .bearer { portal, call in try await portal.apiScheduleOpening(call) }),
        APIRoute(.post, "/calls/{code}/close", .bearer { portal, call in try await portal.apiCallStep(call) { try $0.closeCall($1, expectedVersion: $2, as: "") } }),
        APIRoute(.post, "/calls/{code}/decide", .bearer { portal, call in try await portal.apiCallStep(call) { try $0.markCallDecided($1, expectedVersion: $2, as: "") } }),
        APIRoute(.post, "/calls/{code}/archive", .bearer { portal, call in try await portal.apiCallStep(call) { try $0.archiveCall($1, expectedVersion: $2, as: "") } }),
        APIRoute(.get, "/calls/{code}/ranking", .bearer { portal, call in try await portal.apiRanking(call) }),
        APIRoute(.post, "/calls/{code}/deposits", .bearer { portal, call in try await portal.apiDeposit(call) }),
        APIRoute(.get, "/proposals", .bearer { portal, call in try await portal.apiProposals(call) }),
        APIRoute(.post, "/proposals", .bearer { portal, call in try await portal.apiSubmitProposal(call) }),
        APIRoute(.get, "/proposals/{reference}", .bearer { portal, call in try await portal.apiProposal(call) }),
        APIRoute(.post, "/proposals/{reference}/withdraw", .bearer { portal, call in try await portal.apiWithdraw(call) }),
        APIRoute(.post, "/proposals/{reference}/screening", .bearer { portal, call in try await portal.apiScreen(call) }),
        APIRoute(.post, "/proposals/{reference}/decision", .bearer { portal, call in try await portal.apiDecide(call) }),
        APIRoute(.post, "/proposals/{reference}/resubmission", .bearer { portal, call in try await portal.apiResubmit(call) }),
        APIRoute(.get, "/proposal-drafts", .bearer { portal, call in try await portal.apiDrafts(call) }),
        APIRoute(.post, "/proposal-drafts", .bearer { portal, call in try await portal.apiSaveNewDraft(call) }),
        APIRoute(.get, "/proposal-drafts/{id}", .bearer { portal, call in try await portal.apiDraft(call) }),
        APIRoute(.put, "/proposal-drafts/{id}", .bearer { portal, call in try await portal.apiSaveDraft(call) }),
        APIRoute(.delete, "/proposal-drafts/{id}", .bearer { portal, call in try await portal.apiDiscardDraft(call) }),
        APIRoute(.post, "/proposal-drafts/{id}/submission", .bearer { portal, call in try await portal.apiSubmitDraft(call) }),
        APIRoute(.get, "/proposals/{reference}/log", .bearer { portal, call in try await portal.apiProposalLog(call) }),
        APIRoute(.get, "/reviews", .bearer { portal, call in try await portal.apiReviews(call) }),
        APIRoute(.get, "/proposals/{reference}/reviews", .bearer { portal, call in try await portal.apiProposalReviews(call) }),
        APIRoute(.post, "/reviews/{reference}/scores", .bearer { portal, call in try await portal.apiSubmitScores(call) }),
        APIRoute(.post, "/reviews/{reference}/conflict", .bearer { portal, call in try await portal.apiDeclareConflict(call) }),
        APIRoute(.get, "/committees", .bearer { portal, call in try await portal.apiCommittees(call) }),
        APIRoute(.post, "/committees", .bearer { portal, call in try await portal.apiCreateCommittee(call) }),
        APIRoute(.get, "/committees/{code}", .bearer { portal, call in try await portal.apiCommittee(call) }),
        APIRoute(.post, "/committees/{code}/members", .bearer { portal, call in try await portal.apiAddCommitteeMember(call) }),
        APIRoute(.get, "/conflicts", .bearer { portal, call in try await portal.apiConflicts(call) }),
        APIRoute(.post, "/conflicts", .bearer { portal, call in try await portal.apiRecordConflict(call) }),
        APIRoute(.post, "/reviews/{reference}/assignments", .bearer { portal, call in try await portal.apiAssignReviewers(call) }),
        APIRoute(.post, "/reviews/{reference}/recusal", .bearer { portal, call in try await portal.apiRecuse(call) }),
        APIRoute(.post, "/reviews/{reference}/reassignment", .bearer { portal, call in try await portal.apiReassign(call) }),
        APIRoute(.post, "/reviews/imports", .bearer { portal, call in try await portal.apiImportReviews(call) }),
        APIRoute(.post, "/reviews/{reference}/aggregate", .bearer { portal, call in try await portal.apiAggregate(call) }),
        APIRoute(.get, "/grants", .bearer { portal, call in try await portal.apiGrants(call) }),
        APIRoute(.get, "/grants/{reference}", .bearer { portal, call in try await portal.apiGrant(call) }),
        APIRoute(.post, "/grants/{reference}/signature", .bearer { portal, call in try await portal.apiSignGrant(call) }),
        APIRoute(.get, "/grants/{reference}/tranches", .bearer { portal, call in try await portal.apiTranches(call) }),
        APIRoute(.post, "/grants/{reference}/tranches/{sequence}/approval", .bearer { portal, call in try await portal.apiApproveTranche(call) }),
        APIRoute(.post, "/grants/{reference}/tranches/{sequence}/release", .bearer { portal, call in try await portal.apiReleaseTranche(call) }),
        APIRoute(.post, "/grants/{reference}/suspension", .bearer { portal, call in try await portal.apiSuspendGrant(call) }),
        APIRoute(.post, "/grants/{reference}/resumption", .bearer { portal, call in try await portal.apiResumeGrant(call) }),
        APIRoute(.post, "/grants/{reference}/termination", .bearer { portal, call in try await portal.apiTerminateGrant(call) }),
        APIRoute(.post, "/grants/{reference}/closure", .bearer { portal, call in try await portal.apiCloseGrant(call) }),
        APIRoute(.get, "/grants/{reference}/log", .bearer { portal, call in try await portal.apiGrantLog(call) }),
        APIRoute(.post, "/grants/{reference}/tranches/evaluation", .bearer { portal, call in try await portal.apiEvaluateTranches(call) }),
        APIRoute(.get, "/grants/{reference}/reports", .bearer { portal, call in try await portal.apiReports(call) }),
        APIRoute(.post, "/grants/{reference}/reports/{sequence}/submission", .bearer { portal, call in try await portal.apiSubmitReport(call) }),
        APIRoute(.post, "/grants/{reference}/reports/{sequence}/acceptance", .bearer { portal, call in try await portal.apiAcceptReport(call) }),
        APIRoute(.post, "/grants/{reference}/reports/{sequence}/return", .bearer { portal, call in try await portal.apiReturnReport(call) }),
        APIRoute(.post, "/grants/{reference}/reports/{sequence}/reopening", .bearer { portal, call in try await portal.apiReopenReport(call) }),
        APIRoute(.post, "/reports/due", .bearer { portal, call in try await portal.apiMarkReportsDue(call) }),
        APIRoute(.get, "/organisations", .bearer { portal, call in try await portal.apiOrganisations(call) }),
        APIRoute(.get, "/organisations/{code}", .bearer { portal, call in try await portal.apiOrganisation(call) }),
        APIRoute(.get, "/users", .bearer { portal, call in try await portal.apiUsers(call) }),
        APIRoute(.post, "/users", .bearer { portal, call in try await portal.apiAddUser(call) }),
        APIRoute(.get, "/users/{login}", .bearer { portal, call in try await portal.apiUser(call) }),
        APIRoute(.patch, "/users/{login}", .bearer { portal, call in try await portal.apiEditUser(call) }),
        APIRoute(.post, "/users/{login}/invitation", .bearer { portal, call in try await portal.apiInviteUser(call) }),
        APIRoute(.post, "/users/{login}/unlock", .bearer { portal, call in try await portal.apiUnlockUser(call) }),
        APIRoute(.post, "/users/{login}/deactivate", .bearer { portal, call in try await portal.apiUserStep(call) { try $0.deactivateUser($1, expectedVersion: $2, as: "") } }),
        APIRoute(.post, "/users/{login}/reactivate", .bearer { portal, call in try await portal.apiUserStep(call) { try $0.reactivateUser($1, expectedVersion: $2, as: "") } }),
        APIRoute(.get, "/tokens", .bearer { portal, call in try await portal.apiTokens(call) }),
        APIRoute(.post, "/tokens", .bearer { portal, call in try await portal.apiCreateToken(call) }),
        APIRoute(.delete, "/tokens/{id}", .bearer { portal, call in try await portal.apiRevokeToken(call) }),
        APIRoute(.post, "/organisations", .bearer { portal, call in try await portal.apiRegisterOrganisation(call) }),
        APIRoute(.post, "/organisations/{code}/assessment", .bearer { portal, call in try await portal.apiAssessOrganisation(call) }),
        APIRoute(.post, "/organisations/{code}/ineligibility", .bearer { portal, call in try await portal.apiDeclareIneligible(call) }),
        APIRoute(.post, "/organisations/{code}/suspension", .bearer { portal, call in try await portal.apiSuspendOrganisation(call) }),
        APIRoute(.post, "/organisations/{code}/reinstatement", .bearer { portal, call in try await portal.apiReinstateOrganisation(call) }),
        APIRoute(.get, "/organisations/{code}/training-shortfalls", .bearer { portal, call in try await portal.apiTrainingShortfalls(call) }),
        APIRoute(.get, "/training/courses", .bearer { portal, call in try await portal.apiTrainingCourses(call) }),
        APIRoute(.post, "/training/courses", .bearer { portal, call in try await portal.apiAddTrainingCourse(call) }),
        APIRoute(.get, "/training/sessions", .bearer { portal, call in try await portal.apiTrainingSessions(call) }),
        APIRoute(.post, "/training/sessions", .bearer { portal, call in try await portal.apiScheduleTrainingSession(call) }),
        APIRoute(.get, "/training/sessions/{session}", .bearer { portal, call in try await portal.apiTrainingSession(call) }),
        APIRoute(.post, "/training/sessions/{session}/held", .bearer { portal, call in
            try await portal.apiTrainingSessionStep(call) { try $0.recordTrainingSessionHeld($1, expectedVersion: $2, as: "") }
        }),
        APIRoute(.post, "/training/sessions/{session}/closure", .bearer { portal, call in
            try await portal.apiTrainingSessionStep(call) { try $0.closeTrainingSession($1, expectedVersion: $2, as: "") }
        }),
        APIRoute(.post, "/training/sessions/{session}/cancellation", .bearer { portal, call in try await portal.apiCancelTrainingSession(call) }),
        APIRoute(.post, "/training/sessions/{session}/attendance", .bearer { portal, call in try await portal.apiRecordAttendance(call) }),
        APIRoute(.post, "/training/sessions/{session}/attendance-sheet", .bearer { portal, call in try await portal.apiImportAttendance(call) }),
        APIRoute(.get, "/training/certificates", .bearer { portal, call in try await portal.apiCertificates(call) }),
        APIRoute(.get, "/training/certificates/expiring", .bearer { portal, call in try await portal.apiExpiringCertificates(call) }),
        APIRoute(.post, "/training/certificates/{reference}/revocation", .bearer { portal, call in try await portal.apiRevokeCertificate(call) }),
        APIRoute(.get, "/training/reports/organisations/{code}", .bearer { portal, call in try await portal.apiOrganisationTrainingReport(call) }),
        APIRoute(.get, "/training/reports/courses/{code}", .bearer { portal, call in try await portal.apiCourseTrainingReport(call) }),
        APIRoute(.get, "/training/requirements", .bearer { portal, call in try await portal.apiTrainingRequirements(call) }),
        APIRoute(.put, "/training/requirements/tranches", .bearer { portal, call in try await portal.apiSetTrancheTrainingRequirement(call) }),
        APIRoute(.put, "/calls/{code}/training-requirement", .bearer { portal, call in try await portal.apiSetCallTrainingRequirement(call) }),
        APIRoute(.get, "/security/refusals", .bearer { portal, call in try await portal.apiRefusals(call) }),
        APIRoute(.get, "/ledger/balances", .bearer { portal, call in try await portal.apiLedgerBalances(call) }),
        APIRoute(.get, "/ledger/verification", .bearer { portal, call in try await portal.apiVerifyLedger(call) }),
        APIRoute(.get, "/fund/tranche-policy", .bearer { portal, call in try await portal.apiTranchePolicy(call) }),
        APIRoute(.put, "/fund/tranche-policy", .bearer { portal, call in try await portal.apiChangeTranchePolicy(call) }),
        APIRoute(.get, "/fund/tranche-policy/versions", .bearer { portal, call in try await portal.apiTranchePolicyVersions(call) }),
        APIRoute(.get, "/exports/{file}", .bearer { portal, call in try await portal.apiExport(call) }),
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

    /// A page of a list: the store's page for the request's limit and cursor, as `{"items": [...], "nextCursor": …}`.
    func listPage<Record: Sendable, Item: Encodable>(
        _ call: APIRequest, as item: (Record) -> Item, _ read: @escaping @Sendable (FundStore, APIPageRequest) throws -> Page<Record>
    ) async throws -> Response {
        let page = try call.page()
        return try await respond(call, as: { page.page($0, item) }) { try read($0, page) }
    }

    /// A page of a list that the store reads whole (a short one, such as conflicts or API tokens), from the
    /// position the cursor names, as `{"items": [...], "nextCursor": …}`.
    func wholeListPage<Record: Sendable, Item: Encodable>(
        _ call: APIRequest, as item: (Record) -> Item, _ read: @escaping @Sendable (FundStore) throws -> [Record]
    ) async throws -> Response {
        try await listPage(call, as: item) { store, page in try page.page(ofWhole: try read(store)) }
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
