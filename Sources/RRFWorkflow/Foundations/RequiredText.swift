import Foundation

/// The reason (or other required text) without surrounding whitespace, or a refusal with `code` and `message`
/// when nothing is left; refused also when longer than `maximum` or holding characters no person types
/// (``Validate/characters(_:field:shape:)``), naming `field`.
func requireText(
    _ text: String, code: String, _ message: String, field: String = "reason", maximum: Int = TextLimit.reason,
    shape: TextShape = .lines
) throws(WorkflowRejection) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw WorkflowRejection(code: code, message: message) }
    return try Validate.text(trimmed, field: field, maximum: maximum, shape: shape)
}
