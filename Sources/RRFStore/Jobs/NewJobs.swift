import Foundation
import JobQueue

/// Builds the follow-up jobs of the commands: a kind takes only its own payload type.
enum NewJobs {
    static func make<Payload>(_ kind: JobKind<Payload>, _ payload: Payload, runAt: Date? = nil, uniqueKey: String? = nil) throws -> NewJob {
        try NewJob(kind, payload, runAt: runAt, uniqueKey: uniqueKey)
    }
}
