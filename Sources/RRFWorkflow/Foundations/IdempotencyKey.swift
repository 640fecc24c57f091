import Foundation

/// The caller's key that makes a money-moving request safe to retry: the same key with the same request
/// answers with the first result; the same key with another request is refused.
public struct IdempotencyKey: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The key as given, without surrounding whitespace.
    public let text: String

    /// Checks a key: 1 to 200 characters on one line, none a control character.
    /// - Throws: `idempotency_key_missing`, `idempotency_key_invalid`.
    public init(_ text: String) throws(WorkflowRejection) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else {
            throw WorkflowRejection(
                code: "idempotency_key_missing", message: "Give an idempotency key (1 to 200 characters) so that a retried release is not paid twice."
            )
        }
        try Validate.characters(trimmed, field: "idempotency key")
        self.text = trimmed
    }

    public var description: String { text }

    /// Decides a request whose key was already used: a replay when the request is the same (`requestHash`
    /// equals `earlierHash`), otherwise refused.
    /// - Throws: `idempotency_key_reused`.
    public func replay(requestHash: String, earlierHash: String) throws(WorkflowRejection) {
        guard requestHash == earlierHash else {
            throw WorkflowRejection(
                code: "idempotency_key_reused",
                message: "The idempotency key \"\(text)\" was already used for a different release; use a new key for a different request."
            )
        }
    }
}
