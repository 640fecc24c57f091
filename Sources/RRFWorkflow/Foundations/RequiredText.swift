import Foundation

/// The text without surrounding whitespace, or a refusal with `code` and `message` when nothing is left.
func requireText(_ text: String, code: String, _ message: String) throws(WorkflowRejection) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw WorkflowRejection(code: code, message: message) }
    return trimmed
}
