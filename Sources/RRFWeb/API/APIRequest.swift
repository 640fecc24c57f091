import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

/// What an API handler works with: the request, its path parameters, and the store signed in with the
/// request's bearer token (checked again by the store in every command and read).
struct APIRequest: Sendable {
    let request: Request
    let context: WebContext
    /// The store acting for the token's person.
    let store: FundStore
    /// The token's person, as the store read them for this request.
    let person: UserRecord

    /// The largest request body read.
    static let maximumBody = 1 << 20

    /// The bearer token of `request` (`Authorization: Bearer <token>`), nil when there is none.
    static func bearerToken(of request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The path parameter `name` (e.g. `reference` of `/proposals/{reference}`).
    /// - Throws: `<name>_invalid` (400) when it holds a control character or invalid UTF-8, which no record's key can.
    func parameter(_ name: String) throws(WorkflowRejection) -> String {
        let value = context.parameters.get(name) ?? ""
        try Validate.characters(value, field: name)
        return value
    }

    /// The path parameter `name` as a whole number.
    /// - Throws: `parameter_invalid` (400).
    func number(_ name: String) throws(APIProblem) -> Int {
        let text = context.parameters.get(name) ?? ""
        guard let value = Int(text) else {
            throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The \(name) \(text) in the path is not a whole number.", field: name)
        }
        return value
    }

    /// The path parameter `name` as a UUID (a token's id).
    /// - Throws: `parameter_invalid` (400).
    func uuid(_ name: String) throws(APIProblem) -> UUID {
        let text = context.parameters.get(name) ?? ""
        guard let value = UUID(uuidString: text) else {
            throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The \(name) \(text) in the path is not an id like 6f1c2a4e-8b0d-4a57-9e2f-3c7d5b1a9e40.", field: name)
        }
        return value
    }

    /// The query parameter `name`; nil when absent or empty.
    /// - Throws: `<name>_invalid` (400) when it holds a control character or invalid UTF-8.
    func query(_ name: String) throws(WorkflowRejection) -> String? {
        guard let value = request.uri.queryParameters[name[...]].map(String.init).flatMap(\.nilIfEmpty) else { return nil }
        try Validate.characters(value, field: name)
        return value
    }

    /// The query parameter `name` as a whole number; nil when absent.
    /// - Throws: `parameter_invalid` (400) when it is not one.
    func integerQuery(_ name: String) throws -> Int? {
        guard let text = try given(name) else { return nil }
        guard let value = Int(text) else {
            throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The \(name) \(text) in the query is not a whole number.", field: name)
        }
        return value
    }

    /// The query parameter `name` as true or false; false when absent.
    /// - Throws: `parameter_invalid` (400) for another word.
    func flag(_ name: String) throws -> Bool {
        switch try given(name) {
        case nil, "false": return false
        case "true": return true
        case let text?:
            throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The \(name) \(text) in the query is neither true nor false.", field: name)
        }
    }

    /// The query parameter `name` as sent, also when empty (for a typed parameter, whose empty value is not one of
    /// its type); nil when absent.
    /// - Throws: `<name>_invalid` (400) when it holds a control character or invalid UTF-8.
    func given(_ name: String) throws(WorkflowRejection) -> String? {
        guard let value = request.uri.queryParameters[name[...]].map(String.init) else { return nil }
        try Validate.characters(value, field: name)
        return value
    }

    /// The cluster named by the query parameter `name`, if any (an empty `cluster=` names none, so it is refused).
    /// - Throws: `cluster_unknown` (400).
    func cluster(_ name: String) throws(WorkflowRejection) -> Cluster? {
        try request.uri.queryParameters[name[...]].map { (code) throws(WorkflowRejection) in try Cluster(code: String(code)) }
    }

    /// The page the query asks for (`limit`, `cursor`); an empty `limit=` is not a number, so it is refused.
    func page() throws -> APIPageRequest {
        try APIPageRequest(limit: request.uri.queryParameters["limit"].map(String.init), cursor: query("cursor"))
    }

    /// The `Idempotency-Key` header a money-moving request must carry.
    /// - Throws: `idempotency_key_missing` (400) without it, or when it is empty or longer than 200 characters
    ///   (the rule's own sentence).
    func idempotencyKey() throws -> String {
        guard let header = request.headers[APIRequest.idempotencyKeyHeader] else {
            throw APIProblem(
                .badRequest, code: "idempotency_key_missing",
                detail: "This request moves money: send an Idempotency-Key header (1 to 200 characters, the same for every retry of this request) so that a retry does not move it twice."
            )
        }
        return try IdempotencyKey(header).text
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!

    /// The JSON body as `Body`; an empty body reads as `{}`.
    /// - Throws: `body_invalid` (400) naming the member that is missing or of the wrong type, or saying that
    ///   the body is not JSON.
    func body<Body: Decodable>(_ type: Body.Type) async throws -> Body {
        let data = Data(try await request.body.collect(upTo: Self.maximumBody).readableBytesView)
        if let object = try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed), let member = Self.memberWithNUL(in: object) {
            throw APIProblem(
                .badRequest, code: "body_invalid", detail: "The request body holds a NUL character\(member.isEmpty ? "" : " in \(member)"); remove it.",
                field: member.isEmpty ? nil : member
            )
        }
        do {
            return try JSONDecoder().decode(Body.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch let error as DecodingError {
            throw APIProblem(bodyError: error)
        }
    }
}

extension APIRequest {
    /// The path of the first member of a parsed JSON body whose text or name holds a NUL character (which no
    /// stored text can hold), "" for a name at the top level; nil when there is none.
    static func memberWithNUL(in value: Any, path: String = "") -> String? {
        switch value {
        case let text as String:
            return text.contains("\u{0}") ? path : nil
        case let array as [Any]:
            return array.enumerated().lazy.compactMap { memberWithNUL(in: $1, path: "\(path)[\($0)]") }.first
        case let object as [String: Any]:
            if object.keys.contains(where: { $0.contains("\u{0}") }) { return path }
            return object.sorted { $0.key < $1.key }.lazy.compactMap { memberWithNUL(in: $1, path: path.isEmpty ? $0 : "\(path).\($0)") }.first
        default:
            return nil
        }
    }
}

extension APIProblem {
    /// A body that is not JSON or does not have the members the operation needs.
    init(bodyError error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { path, key in
                if let index = key.intValue { return "\(path)[\(index)]" }
                return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            self.init(.badRequest, code: "body_invalid", detail: "The request body lacks the member \(field).", field: field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            self.init(.badRequest, code: "body_invalid", detail: "The member \(field) of the request body must be \(Self.kind(of: type)), not null.", field: field)
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                self.init(.badRequest, code: "body_invalid", detail: "The request body must be a JSON object.")
            } else {
                self.init(.badRequest, code: "body_invalid", detail: "The member \(field) of the request body must be \(Self.kind(of: type)).", field: field)
            }
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                self.init(.badRequest, code: "body_invalid", detail: "The request body is not valid JSON.")
            } else {
                self.init(.badRequest, code: "body_invalid", detail: "The member \(field) of the request body is not valid.", field: field)
            }
        @unknown default:
            self.init(.badRequest, code: "body_invalid", detail: "The request body is not valid JSON.")
        }
    }

    /// The JSON kind a Swift type is read from, for sentences.
    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
