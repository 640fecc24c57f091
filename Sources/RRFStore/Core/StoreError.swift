import Postgres

/// An error from an RRF command, in two layers: `message` is a sentence for the person who ran the command
/// (what is wrong and what to do); `underlying` keeps the technical cause (SQLSTATE, constraint) for logs.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// Broad category, also used to pick the CLI exit code.
    public enum Kind: String, Sendable {
        /// The request was understood and refused by a rule (state, permission, money, input).
        case rejected
        /// The thing named does not exist.
        case notFound
        /// Someone else changed the record since it was loaded; reload and retry.
        case conflict
        /// The actor may not do this.
        case forbidden
        /// No valid credentials: sign in first (the CLI's exit code 77).
        case unauthenticated
        /// Configuration or environment problem (database unreachable, schema missing).
        case configuration
        /// A bug or an unexpected database failure.
        case `internal`
    }

    public let kind: Kind
    /// Stable machine-readable code, e.g. `amount_exceeds_envelope`.
    public let code: String
    public let message: String
    public let underlying: PostgresError?

    public init(_ kind: Kind, code: String, _ message: String, underlying: PostgresError? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }

    /// A stored row that matches no state of its machine: a defect or a change made beside the application.
    static func inconsistentRow(_ what: String, state: String) -> StoreError {
        StoreError(
            .internal, code: "inconsistent_row",
            "\(what) is stored in the state \"\(state)\", which is unknown or lacks the data that state needs (a defect or a change made beside RRF); run `rrfctl audit verify` and report it."
        )
    }

    public static func configuration(_ message: String, underlying: PostgresError? = nil) -> StoreError {
        StoreError(.configuration, code: "configuration", message, underlying: underlying)
    }

    public static func notFound(_ message: String) -> StoreError {
        StoreError(.notFound, code: "not_found", message)
    }
}
