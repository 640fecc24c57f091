import Foundation
import Hummingbird
import RRFStore

// Setting a password from a one-time link (invitation or reset), enrolling the authenticator app, and asking
// for a reset. The rules (length, common passwords, link validity) are the store's.

extension Portal {
    /// Adds the credential routes.
    func addCredentialRoutes(to router: Router<WebContext>) {
        for prefix in ["invitation", "password-reset"] {
            router.get("/\(prefix)/{token}") { request, context in
                setPasswordPage(request, action: "/\(prefix)/\(context.parameters.get("token") ?? "")")
            }
            router.post("/\(prefix)/{token}") { request, context in
                try await setPassword(request, context: context, token: context.parameters.get("token") ?? "", action: "/\(prefix)/")
            }
        }
        router.get("/password-reset") { request, _ in withPair(request) { pages.render("reset-request", ["csrf": $0], request: request) } }
        router.post("/password-reset") { request, context in try await requestReset(request, context: context) }
    }

    /// A page with a fresh CSRF pair (cookie and hidden field) for a form sent before any session.
    func withPair(_ request: Request, status: HTTPResponse.Status = .ok, _ render: (String) -> Response) -> Response {
        let pair = Session.randomValue()
        var response = render(pair)
        response.status = status
        response.setCookie(Session.cookie(Session.signInCookie, value: pair, secure: configuration.isHTTPS, maxAge: 3600))
        return response
    }

    /// Whether a form sent before any session carries the pair of its cookie.
    func pairMatches(_ request: Request, csrf: String?) -> Bool {
        guard let pair = request.cookies[Session.signInCookie]?.value, !pair.isEmpty, let csrf else { return false }
        return Session.same(pair, csrf)
    }

    func setPasswordPage(_ request: Request, action: String, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        withPair(request, status: status) { pair in
            var values: [String: Any] = ["csrf": pair, "action": action]
            if let error { values["error"] = error }
            return pages.render("set-password", values, request: request)
        }
    }

    /// The fields of the set-password form.
    struct PasswordForm: Decodable {
        let csrf: String?
        let password: String?
        let confirmation: String?
    }

    func setPassword(_ request: Request, context: WebContext, token: String, action prefix: String) async throws -> Response {
        let action = prefix + token
        let messages = pages.messages(for: request)
        let form = try await request.decode(as: PasswordForm.self, context: context)
        guard pairMatches(request, csrf: form.csrf) else { return formExpired(request) }
        let password = form.password ?? ""
        guard password == form.confirmation ?? "" else {
            return setPasswordPage(request, action: action, error: messages["passwords_differ"], status: .badRequest)
        }
        let store = runner.store
        do {
            let enrolment = try await runner.run { try store.acceptCredentialLink(token: token, password: password) }
            guard let enrolment else {
                return pages.render("message", ["heading": messages["set_password"] ?? "", "text": messages["password_set"] ?? ""], request: request)
            }
            let qr = QRCode(enrolment.uri)?.svg(label: messages["enrol_scan"] ?? "QR code") ?? ""
            return pages.render("enrolment", ["qr": qr, "secret": enrolment.secret, "codes": enrolment.recoveryCodes], request: request)
        } catch let error as StoreError where error.kind == .rejected && error.code.hasPrefix("password_") {
            return setPasswordPage(request, action: action, error: error.message, status: .badRequest)
        } catch let error as StoreError {
            return pages.render("message", ["heading": messages["set_password"] ?? "", "text": error.message], request: request, status: .badRequest)
        }
    }

    /// The fields of the reset request.
    struct ResetForm: Decodable {
        let csrf: String?
        let login: String?
    }

    func requestReset(_ request: Request, context: WebContext) async throws -> Response {
        guard await limiter.allow(context.clientAddress) else {
            return pages.render("message", ["heading": "", "text": pages.messages(for: request)["too_many_attempts"] ?? ""], request: request, status: .tooManyRequests)
        }
        let form = try await request.decode(as: ResetForm.self, context: context)
        guard pairMatches(request, csrf: form.csrf) else { return formExpired(request) }
        let store = runner.store, login = form.login ?? "", base = configuration.publicURL
        try await runner.run { try store.requestPasswordReset(login, baseURL: base) }
        return pages.render("reset-request", ["sent": true], request: request)
    }
}
