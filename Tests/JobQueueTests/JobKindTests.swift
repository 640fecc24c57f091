import Foundation
import JobQueue
import Postgres
import Testing

/// Typed job kinds, without a database: the payload type goes with the kind, ids are UUIDs.
@Suite struct JobKindTests {
    struct Payload: Codable, Sendable, Equatable {
        let proposalID: UUID
        let reference: String
    }

    static let kind = JobKind<Payload>("proposal.aggregate_reviews")

    func claimed(_ job: NewJob) -> ClaimedJob {
        ClaimedJob(id: 1, queue: job.queue, kind: job.kind, payload: job.payload, priority: job.priority, attempt: 1,
                   maxAttempts: job.maxAttempts, runAt: Date(), createdAt: Date())
    }

    @Test func aJobOfAKindCarriesItsNameAndItsPayloadAsSortedJSON() throws {
        let id = try #require(UUID(uuidString: "6f1c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2b"))
        let job = try NewJob(Self.kind, Payload(proposalID: id, reference: "RRF-2026-0001"), runAt: nil, uniqueKey: "aggregate:1")
        #expect(job.kind == "proposal.aggregate_reviews")
        #expect(job.payload == #"{"proposalID":"6F1C1B2A-3D4E-4F50-8A6B-7C8D9E0F1A2B","reference":"RRF-2026-0001"}"#)
        #expect(job.uniqueKey == "aggregate:1")
        #expect(try claimed(job).decodePayload(of: Self.kind) == Payload(proposalID: id, reference: "RRF-2026-0001"))
    }

    @Test func jobsQueuedWithLowercaseStringIdsStillDecode() throws {
        let queued = NewJob(kind: Self.kind.name, payloadJSON: #"{"proposalID":"6f1c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2b","reference":"R"}"#)
        #expect(try claimed(queued).decodePayload(of: Self.kind).proposalID.uuidString == "6F1C1B2A-3D4E-4F50-8A6B-7C8D9E0F1A2B")
        let notAnID = NewJob(kind: Self.kind.name, payloadJSON: #"{"proposalID":"RRF-2026-0001","reference":"R"}"#)
        #expect(throws: DecodingError.self) { try claimed(notAnID).decodePayload(of: Self.kind) }
    }

    @Test func aKindIsAQueryParameterAsItsName() {
        #expect(Self.kind.postgresParameter == "proposal.aggregate_reviews".postgresParameter)
        #expect(JobKind<NoPayload>("noop").description == "noop")
    }
}
