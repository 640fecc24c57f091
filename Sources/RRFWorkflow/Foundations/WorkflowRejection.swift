/// A refusal the user sees: a command was not allowed by the fund's rules.
///
/// `code` is stable and machine-readable (snake_case, e.g. `amount_exceeds_envelope`) so that the store, the CLI
/// and scripts can react to it; `message` is one clear sentence saying what is wrong and what to do.
public struct WorkflowRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stable snake_case code of the refusal.
    public let code: String
    /// A sentence saying what is wrong and what to do about it.
    public let message: String

    /// Creates a refusal with its stable code and its human sentence.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// The message followed by the code in brackets, e.g. `The call is closed. [call_not_open]`.
    public var description: String { "\(message) [\(code)]" }
}

extension WorkflowRejection {
    /// The same refusal, its message led by the field it is about (`--expires: "2027-02-30" is not a valid date…`).
    public func about(_ field: String) -> WorkflowRejection { WorkflowRejection(code: code, message: "\(field): \(message)") }
}
