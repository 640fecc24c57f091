import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postgres
import RRFStore
import RRFWorkflow

/// An error answer of the API as RFC 9457 `application/problem+json`: `type` is `urn:rrf:problem:<code>`, `code`
/// the store's stable code, `detail` the sentence the CLI prints for the same refusal, and `field` the member of
/// the request body a malformed body is about. Internal failures answer a generic sentence; their cause goes to
/// the log only.
struct APIProblem: Error, Encodable, Sendable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let code: String
    /// The request body's member the problem is about (e.g. `requested.amount`, `budgetLines[1].amount`).
    let field: String?
    /// The HTTP status answered (its number is `status`).
    let httpStatus: HTTPResponse.Status

    enum CodingKeys: String, CodingKey { case type, title, status, detail, code, field }

    init(_ status: HTTPResponse.Status, code: String, detail: String, field: String? = nil) {
        httpStatus = status
        type = "urn:rrf:problem:\(code)"
        title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = code
        self.field = field
    }

    /// The store's refusal: 400 a rule, 404 not found (also what is out of the person's scope), 409 changed
    /// meanwhile, 403 not allowed, 401 not signed in, 500 configuration or internal (generic sentence).
    init(_ error: StoreError) {
        switch error.kind {
        case .rejected: self.init(.badRequest, code: error.code, detail: error.message)
        case .notFound: self.init(.notFound, code: error.code, detail: error.message)
        case .conflict: self.init(.conflict, code: error.code, detail: error.message)
        case .forbidden: self.init(.forbidden, code: error.code, detail: error.message)
        case .unauthenticated: self.init(.unauthorized, code: error.code, detail: error.message)
        case .configuration, .internal: self = .internal
        }
    }

    /// What every unexpected failure answers.
    static let `internal` = APIProblem(
        .internalServerError, code: "internal", detail: "The request failed on the server; it has been logged. Try again later or tell the fund's administrators."
    )

    /// No `Authorization: Bearer …` header.
    static let bearerMissing = APIProblem(
        .unauthorized, code: "bearer_token_missing",
        detail: "Send an API token as `Authorization: Bearer <token>`; create one with `rrfctl token create`."
    )

    /// A method the path does not have: 405 with the methods it has in `Allow`.
    static func methodNotAllowed(_ allowed: [HTTPRequest.Method]) -> Response {
        let methods = allowed.map(\.rawValue).joined(separator: ", ")
        var response = APIProblem(.methodNotAllowed, code: "method_not_allowed", detail: "This address answers \(methods) only.").response
        response.headers[.allow] = methods
        return response
    }

    /// The problem any error of a handler answers; what is not the store's or the API's own refusal is logged.
    static func answering(_ error: any Error, logger: Logger) -> APIProblem {
        switch error {
        case let problem as APIProblem:
            return problem
        case let error as StoreError:
            if error.kind == .configuration || error.kind == .internal {
                logger.error("API request failed", metadata: ["code": .string(error.code), "error": .string(error.message), "cause": .string(error.underlying?.description ?? "")])
            }
            return APIProblem(error)
        case let rejection as WorkflowRejection:
            return APIProblem(StoreError(rejection))
        case let error as HTTPError where error.status.code < 500:
            return APIProblem(error.status, code: "http_\(error.status.code)", detail: error.body ?? error.status.reasonPhrase)
        default:
            logger.error("API request failed", metadata: ["error": .string(String(describing: error))])
            return .internal
        }
    }

    /// The problem as a response; a 401 says how to authenticate (RFC 6750).
    var response: Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == 401 {
            headers[.wwwAuthenticate] = code == APIProblem.bearerMissing.code ? "Bearer realm=\"rrf\"" : "Bearer realm=\"rrf\", error=\"invalid_token\""
        }
        let body = (try? APIJSON.encoder.encode(self)) ?? Data("{}".utf8)
        return Response(status: httpStatus, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// How the API writes JSON: ISO 8601 times in UTC, keys sorted so that answers are stable.
enum APIJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as a JSON answer with `status`.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
