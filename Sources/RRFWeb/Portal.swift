import Foundation
import Hummingbird
import Logging
import Postgres
import RRFStore
import RRFWorkflow

/// The portal's routes: thin handlers over the store's commands and queries, no rule, no SQL, no decision on
/// who may see what (the store answers "not found" for what is out of a person's scope).
public struct Portal: Sendable {
    let runner: StoreRunner
    let pages: Pages
    let configuration: WebConfiguration
    let migrator: Migrator
    let limiter: SignInLimiter

    public init(runner: StoreRunner, pages: Pages, configuration: WebConfiguration, migrator: Migrator) {
        self.runner = runner
        self.pages = pages
        self.configuration = configuration
        self.migrator = migrator
        limiter = SignInLimiter(attempts: configuration.signInAttemptsPerMinute)
    }

    /// Every route of the portal.
    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.middlewares.add(SecurityHeaders())
        router.middlewares.add(MetricsMiddleware())
        router.get("/healthz") { _, _ in try await health() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: runner.metrics.text))
            )
        }
        router.get("/static/rrf.css") { _, _ in try stylesheet() }
        router.get("/login") { request, _ in signInPage(request) }
        router.post("/login") { request, context in try await signIn(request, context: context) }
        router.post("/logout") { request, context in try await signOut(request, context: context) }
        addCredentialRoutes(to: router)
        addProposalFormRoutes(to: router)
        addProposalActionRoutes(to: router)
        addReportRoutes(to: router)
        addReviewRoutes(to: router)
        addScreeningRoutes(to: router)
        addCommitteeRoutes(to: router)
        addOrganisationRoutes(to: router)
        addCallSetupRoutes(to: router)
        addUserRoutes(to: router)
        addTrainingRoutes(to: router)
        addDecisionRoutes(to: router)
        addGrantRoutes(to: router)
        addReleaseRoutes(to: router)
        addLedgerRoutes(to: router)
        addFundReportRoutes(to: router)
        addAPIRoutes(to: router)
        router.get("/") { request, _ in try await signedIn(request) { store, person in try await dashboard(request, store: store, person: person) } }
        router.get("/calls") { request, _ in try await signedIn(request) { store, person in try await calls(request, store: store, person: person) } }
        return router
    }

    // MARK: Sessions

    /// Runs `page` for the signed-in person; without a valid session, back to the sign-in page.
    func signedIn(_ request: Request, _ page: (FundStore, SignedInPerson) async throws -> Response) async throws -> Response {
        guard let token = Session.token(of: request) else { return redirect("/login") }
        let store = runner.store(token: token)
        let person: SignedInPerson
        do {
            person = SignedInPerson(user: try await runner.run { try store.whoami() }, csrf: Session.csrf(for: token))
        } catch let error as StoreError {
            return answer(error, request: request)
        }
        do {
            return try await page(store, person)
        } catch let error as StoreError {
            return answer(error, request: request, person: person)
        }
    }

    func signInPage(_ request: Request, error: String? = nil, login: String = "", status: HTTPResponse.Status = .ok) -> Response {
        withPair(request, status: status) { pair in
            var values: [String: Any] = ["csrf": pair, "login": login]
            if let error { values["error"] = error }
            return pages.render("login", values, request: request)
        }
    }

    /// The sign-in form's fields.
    struct SignInForm: Decodable {
        let csrf: String?
        let login: String?
        let password: String?
        let code: String?
    }

    func signIn(_ request: Request, context: WebContext) async throws -> Response {
        let messages = pages.messages(for: request)
        guard await limiter.allow(context.clientAddress) else {
            runner.metrics.count(.rateLimited)
            return signInPage(request, error: messages["too_many_attempts"], status: .tooManyRequests)
        }
        let form = try await request.decode(as: SignInForm.self, context: context)
        guard pairMatches(request, csrf: form.csrf) else {
            return signInPage(request, error: messages["form_expired"], login: form.login ?? "", status: .forbidden)
        }
        let login = form.login ?? "", password = form.password ?? "", code = form.code?.nilIfEmpty
        let store = runner.store
        do {
            let issued = try await runner.run { try store.signIn(login: login, password: password, code: code, label: "web") }
            runner.metrics.count(.signedIn)
            var response = redirect("/")
            response.setCookie(Session.cookie(Session.cookie, value: issued.secret, secure: configuration.isHTTPS))
            response.setCookie(Session.cookie(Session.signInCookie, value: "", secure: configuration.isHTTPS, maxAge: 0))
            return response
        } catch let error as StoreError where error.kind == .unauthenticated {
            // One sentence for every refusal: which part was wrong (the password, or only the code) is not said.
            runner.metrics.count(.refused)
            return signInPage(request, error: messages["sign_in_failed"], login: login, status: .unauthorized)
        }
    }

    /// The fields of a form that only carries its CSRF token.
    struct PlainForm: Decodable {
        let csrf: String?
    }

    func signOut(_ request: Request, context: WebContext) async throws -> Response {
        guard let token = Session.token(of: request) else { return redirect("/login") }
        let form = try await request.decode(as: PlainForm.self, context: context)
        guard Session.acceptsForm(csrf: form.csrf, token: token) else { return formExpired(request) }
        let store = runner.store(token: token)
        _ = try? await runner.run { try store.signOut() }
        var response = redirect("/login")
        response.setCookie(Session.cookie(Session.cookie, value: "", secure: configuration.isHTTPS, maxAge: 0))
        return response
    }

    /// Who a page is for, checked once per request: their record and the CSRF token of their forms.
    struct SignedInPerson: Sendable {
        let user: UserRecord
        let csrf: String

        /// Whether a form sent by them carries their CSRF token.
        func accepts(_ formToken: String?) -> Bool {
            formToken.map { Session.same(csrf, $0) } ?? false
        }

        /// What the layout shows of them: their name, and the desks of their roles in the navigation (the store
        /// still decides every page and form).
        var page: [String: Any] {
            let roles = Set(user.roles)
            return [
                "name": user.displayName, "login": user.login, "csrf": csrf,
                "screens": roles.contains(.secretariat), "decides": roles.contains(.fundManager) || roles.contains(.secretariat),
                "pays": !roles.isDisjoint(with: [.fundManager, .financeOfficer]),
                "reads": !roles.isDisjoint(with: [.fundManager, .financeOfficer, .secretariat, .admin]), "administers": roles.contains(.admin),
                "trains": !roles.isDisjoint(with: [.trainer, .secretariat]),
            ]
        }
    }

    // MARK: Answers

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    func formExpired(_ request: Request) -> Response {
        let messages = pages.messages(for: request)
        return pages.render("message", ["heading": messages["forbidden_title"] ?? "", "text": messages["form_expired"] ?? ""], request: request, status: .forbidden)
    }

    /// A refusal of the store as a page: not found (404: also what is out of scope), not allowed (403), the
    /// rule's sentence (400/409), or back to sign-in when the session ended.
    func answer(_ error: StoreError, request: Request, person: SignedInPerson? = nil) -> Response {
        let messages = pages.messages(for: request)
        switch error.kind {
        case .unauthenticated:
            var response = redirect("/login")
            response.setCookie(Session.cookie(Session.cookie, value: "", secure: configuration.isHTTPS, maxAge: 0))
            return response
        case .notFound:
            return pages.render(
                "message", ["heading": messages["not_found_title"] ?? "", "text": messages["not_found"] ?? ""], request: request, person: person?.page, status: .notFound
            )
        case .forbidden:
            return pages.render("message", ["heading": messages["forbidden_title"] ?? "", "text": error.message], request: request, person: person?.page, status: .forbidden)
        case .rejected, .conflict:
            return pages.render(
                "message", ["heading": messages["forbidden_title"] ?? "", "text": error.message], request: request, person: person?.page,
                status: error.kind == .conflict ? .conflict : .badRequest
            )
        case .configuration, .internal:
            // The cause stays in the log (the store logged it with its SQLSTATE); the page says what to do.
            return pages.render(
                "message", ["heading": messages["internal_title"] ?? "", "text": messages["internal_error"] ?? ""], request: request, person: person?.page,
                status: .internalServerError
            )
        }
    }

    // MARK: Health and assets

    func health() async throws -> Response {
        let store = runner.store, migrator = self.migrator
        let current = (try? await runner.run { try store.schemaIsCurrent(migrator) }) ?? false
        return Response(
            status: current ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: current ? "ok\n" : "database unreachable or migrations pending\n"))
        )
    }

    func stylesheet() throws -> Response {
        let url = try Pages.bundledResources().appendingPathComponent("Static/rrf.css")
        let css = try String(contentsOf: url, encoding: .utf8)
        return Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(string: css))
        )
    }
}
