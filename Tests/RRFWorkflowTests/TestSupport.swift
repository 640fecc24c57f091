import Foundation
import RRFWorkflow
import Testing

/// The code of the rejection `body` throws, or nil when it does not throw.
func rejectionCode<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch let rejection as WorkflowRejection {
        return rejection.code
    } catch {
        return "unexpected error \(error)"
    }
}

/// Parses a date that the test knows to be valid.
func day(_ text: String) -> LocalDate {
    guard let date = try? LocalDate(parsing: text) else { fatalError("invalid test date \(text)") }
    return date
}

/// Parses money that the test knows to be valid.
func money(_ text: String) -> Money {
    guard let amount = try? Money(parsing: text) else { fatalError("invalid test money \(text)") }
    return amount
}

/// An instant given as ISO 8601 UTC text.
func instant(_ text: String) -> Date {
    guard let date = ISO8601DateFormatter().date(from: text) else { fatalError("invalid test instant \(text)") }
    return date
}

let usd = Currency.known("USD")
let eur = Currency.known("EUR")
let jpy = Currency.known("JPY")
let jod = Currency.known("JOD")

extension Currency {
    /// A currency the test knows to be in the table.
    static func known(_ code: String) -> Currency {
        guard let currency = try? Currency(code: code) else { fatalError("unknown test currency \(code)") }
        return currency
    }
}

/// Builds an actor for tests.
func actor(_ name: String, _ roles: Set<Role>, organisations: Set<OrganisationID> = []) -> Actor {
    guard let built = try? Actor(userID: UserID(UUID()), displayName: name, roles: roles, organisationIDs: organisations) else {
        fatalError("invalid test actor \(name)")
    }
    return built
}
