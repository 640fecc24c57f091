import Foundation
import Postgres

/// A kind of job tied to the type of its payload: `NewJob(kind, payload)` accepts only that type, and a handler
/// declaring the kind gets the payload decoded as it. `name` is the stable string stored in `jobs.kind`: rename a
/// kind only with a migration of the pending jobs, and change its payload only in ways that still decode the jobs
/// already queued.
public struct JobKind<Payload: Codable & Sendable>: Sendable, Hashable, CustomStringConvertible, PostgresEncodable {
    /// The kind as stored, e.g. `proposal.assign_reviewers`.
    public let name: String

    /// The kind named `name`.
    public init(_ name: String) {
        self.name = name
    }

    /// The name.
    public var description: String { name }

    /// The name, so that a kind is a query parameter like its stored text.
    public var postgresParameter: PostgresParameter { name.postgresParameter }
}

/// The payload of a job that needs none (`{}`): periodic jobs, for instance.
public struct NoPayload: Codable, Sendable, Equatable {
    /// The empty payload.
    public init() {}
}

extension NewJob {
    /// A job of `kind` whose payload is `payload`, encoded as JSON (keys sorted, dates as ISO 8601).
    public init<Payload>(
        _ kind: JobKind<Payload>, _ payload: Payload, queue: String = "default", priority: Int16 = 0,
        runAt: Date? = nil, maxAttempts: Int = 20, uniqueKey: String? = nil
    ) throws {
        try self.init(
            kind: kind.name, payload: payload, queue: queue, priority: priority, runAt: runAt, maxAttempts: maxAttempts,
            uniqueKey: uniqueKey
        )
    }
}

extension ClaimedJob {
    /// The payload decoded as `kind`'s payload type.
    public func decodePayload<Payload>(of kind: JobKind<Payload>) throws -> Payload {
        try decodePayload(as: Payload.self)
    }
}

/// A handler of one typed kind: it declares the kind, and with it the payload type it decodes.
public protocol TypedJobHandler: JobHandler {
    associatedtype Payload: Codable & Sendable
    /// The kind this handler runs.
    static var jobKind: JobKind<Payload> { get }
}

extension TypedJobHandler {
    /// The name of ``jobKind``.
    public var kind: String { Self.jobKind.name }
}
