import Foundation
import JobQueue

/// Builds the follow-up jobs of the commands.
enum NewJobs {
    static func make(_ kind: String, _ payload: some Encodable, runAt: Date? = nil, uniqueKey: String? = nil) throws -> NewJob {
        try NewJob(kind: kind, payload: payload, runAt: runAt, uniqueKey: uniqueKey)
    }
}
