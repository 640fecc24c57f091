import Foundation
import RRFWorkflow
import Testing

/// The keys a data document may hold (issue 17 item 6), and the optional fields of the files' types.
@Suite struct DocumentShapeTests {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func theFirstUnknownKeyIsFoundWithItsPlaceAndTheKeysAllowedThere() throws {
        let shape = DocumentShape.scalars(["name", "schedule"], nested: ["jobs": .list(.scalars(["kind", "payload"])), "limits": .entries(.value)])
        #expect(shape.firstUnknownKey(in: try json(#"{"name": "a", "jobs": [{"kind": "k"}], "limits": {"anything": 1}}"#)) == nil)
        let top = try #require(shape.firstUnknownKey(in: try json(#"{"name": "a", "shedule": "x", "zzz": 1}"#)))
        #expect(top.path == "shedule" && top.place == nil && top.allowed == ["jobs", "limits", "name", "schedule"])
        let nested = try #require(shape.firstUnknownKey(in: try json(#"{"jobs": [{"kind": "k"}, {"kind": "k", "payloads": "{}"}]}"#)))
        #expect(nested.path == "jobs[1].payloads" && nested.place == "jobs[1]" && nested.allowed == ["kind", "payload"])
        // Values of another kind are the decoder's to refuse.
        #expect(shape.firstUnknownKey(in: try json(#"{"jobs": {"kind": "k"}, "name": [1]}"#)) == nil)
        #expect(shape.firstUnknownKey(in: try json("[1, 2]")) == nil)
    }

    @Test func aScorecardWithoutItsCommentFloorGetsTheDefault() throws {
        let text = #"{"criteria": [{"id": "relevance", "title": "Relevance", "weight": 100, "maxScore": 5}], "passThreshold": 60}"#
        let scorecard = try JSONDecoder().decode(Scorecard.self, from: Data(text.utf8))
        #expect(scorecard.commentFloorPercent == Scorecard.defaultCommentFloorPercent)
        #expect(Scorecard.documentShape.firstUnknownKey(in: try json(text)) == nil)
    }

    @Test func aPolicyWithoutItsThresholdGetsTheDefault() throws {
        let text = #"{"percentages": {"low": [70, 30], "medium": [100], "high": [100]}}"#
        let policy = try JSONDecoder().decode(TranchePolicy.self, from: Data(text.utf8))
        #expect(policy.spendThresholdPercent == 70 && policy.interimReportMonths == TranchePolicy.standardInterimReportMonths)
        let unknown = try #require(TranchePolicy.documentShape.firstUnknownKey(in: try json(#"{"percentages": {"extreme": [100]}}"#)))
        #expect(unknown.path == "percentages.extreme" && unknown.allowed == ["high", "low", "medium"])
    }
}
