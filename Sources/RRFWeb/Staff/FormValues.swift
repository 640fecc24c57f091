import Foundation
import RRFStore
import RRFWorkflow

// Typed values read from a form's text, refused with the same sentences the store uses, so a page shows a bad
// amount or cluster as it shows any other refusal.

extension StoreError {
    /// `body`'s refusal of a typed value (money, cluster, date) as the store's refusal.
    static func refusing<T>(_ body: () throws(WorkflowRejection) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError(error) }
    }

    /// A whole number typed in the field `field`, or a refusal naming it.
    static func wholeNumber(_ text: String, field: String, example: String) throws(StoreError) -> Int {
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw StoreError(.rejected, code: "\(field)_invalid", "The \(field) \"\(text)\" is not a whole number; give one like \(example).")
        }
        return number
    }
}
