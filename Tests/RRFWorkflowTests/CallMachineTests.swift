import Foundation
import RRFWorkflow
import Testing

@Suite struct CallMachineTests {
    @Test func transitionTableCoversEveryStateAndEvent() {
        let expected = table([
            ("draft", "configure", "draft"), ("draft", "delete", "draft"), ("draft", "open", "open"), ("open", "close", "closed"),
            ("closed", "mark_decided", "decided"), ("decided", "archive", "archived"),
        ])
        #expect(verifyTable(CallMachine.self, expected: expected) == [])
    }

    @Test func opensWithValidConfiguration() throws {
        var machine = CallMachine(state: .draft(Fixture.configuration))
        #expect(rejectionCode { try machine.open(at: Fixture.now, calendar: .mondayToFriday, by: Fixture.manager) } == "role_required")
        #expect(try machine.open(at: Fixture.now, calendar: .mondayToFriday, by: Fixture.secretariat) == .scheduleClosing(at: Fixture.configuration.submissionDeadline))
        #expect(machine.state.name == .open)
        #expect(try machine.close(at: Fixture.now, by: Fixture.secretariat) == .recordClosing(early: true))
        let settled: [String: ProposalMachine.State] = ["RRF-2026-0001": .withdrawn(reason: "Duplicate"), "RRF-2026-0002": .ineligible(reason: "Not registered")]
        let waiting = settled.merging(["RRF-2026-0003": .scored(round: 1), "RRF-2026-0004": .revisionRequested(round: 1, reason: "Budget")]) { $1 }
        #expect(rejectionCode { try machine.markDecided(proposals: waiting, by: Fixture.manager) } == "proposals_undecided")
        #expect(rejectionCode { try machine.markDecided(proposals: settled, by: Fixture.secretariat) } == "role_required")
        #expect(machine.state.name == .closed)
        #expect(try machine.markDecided(proposals: settled, by: Fixture.manager) == .recordDecided)
        #expect(rejectionCode { try machine.markDecided(proposals: [:], by: Fixture.manager) } == "invalid_transition")
        #expect(try machine.archive(by: Fixture.secretariat) == .recordArchived)
        #expect(machine.state.configuration == Fixture.configuration)
    }

    @Test func closingAtDeadlineIsNotEarly() throws {
        var machine = CallMachine(state: .open(Fixture.configuration))
        #expect(try machine.close(at: Fixture.configuration.submissionDeadline, by: Fixture.secretariat) == .recordClosing(early: false))
    }

    static var invalidConfigurations: [(String, (inout CallConfiguration) -> Void)] { [
        ("call_title_missing", { $0.title = " " }),
        ("envelopes_missing", { $0.envelopes = [:] }),
        ("envelope_currency_mismatch", { $0.envelopes[.shelter] = money("10 EUR") }),
        ("envelope_not_positive", { $0.envelopes[.shelter] = money("0 USD") }),
        ("ceiling_currency_mismatch", { $0.perProposalCeiling = money("10 EUR") }),
        ("ceiling_not_positive", { $0.perProposalCeiling = money("0 USD") }),
        ("submission_deadline_in_past", { $0.submissionDeadline = Fixture.now }),
        ("deadlines_out_of_order", { $0.reviewDeadline = $0.submissionDeadline }),
        ("decision_sla_invalid", { $0.decisionSLA = .businessHours(0) }),
        ("decision_sla_invalid", { $0.decisionSLA = .businessDays(DecisionSLA.maximumBusinessDays + 1) }),
        // Ten business days after the submission deadline the last proposals must be decided: reviews cannot end later.
        ("review_after_decision_deadline", { $0.reviewDeadline = $0.submissionDeadline.addingTimeInterval(20 * 86_400) }),
        ("quorum_invalid", { $0.quorum = 0 }),
        ("divergence_spread_invalid", { $0.divergenceSpread = 101 }),
    ] }

    @Test(arguments: 0..<13)
    func refusesInvalidConfiguration(index: Int) {
        let (code, change) = Self.invalidConfigurations[index]
        var configuration = Fixture.configuration
        change(&configuration)
        var machine = CallMachine(state: .draft(configuration))
        #expect(rejectionCode { try machine.open(at: Fixture.now, calendar: .mondayToFriday, by: Fixture.secretariat) } == code)
        #expect(machine.state.name == .draft)
    }

    @Test func decisionSLADeadlines() {
        let friday = instant("2026-11-27T15:00:00Z")
        #expect(DecisionSLA.businessHours(72).deadline(from: friday, calendar: Fixture.calendar) == instant("2026-12-09T15:00:00Z"))
        #expect(DecisionSLA.businessDays(1).deadline(from: friday, calendar: Fixture.calendar) == instant("2026-11-30T17:00:00Z"))
    }

    @Test func configureOnlyInDraft() throws {
        var machine = CallMachine(state: .draft(Fixture.configuration))
        var changed = Fixture.configuration
        changed.title = "Floods 2026 (revised)"
        #expect(try machine.configure(changed, at: Fixture.now, calendar: .mondayToFriday, by: Fixture.secretariat) == .storeConfiguration(changed))
        #expect(rejectionCode { try machine.configure(changed, at: Fixture.now, calendar: .mondayToFriday, by: Fixture.manager) } == "role_required")
        var open = CallMachine(state: .open(Fixture.configuration))
        #expect(rejectionCode { try open.configure(changed, at: Fixture.now, calendar: .mondayToFriday, by: Fixture.secretariat) } == "invalid_transition")
    }

    /// Issue 13: a configuration that could not open is refused when it is written, with the opening's own refusal.
    @Test(arguments: 0..<11)
    func configureRefusesWhatOpenRefuses(index: Int) {
        let (code, change) = Self.invalidConfigurations[index]
        var configuration = Fixture.configuration
        change(&configuration)
        var machine = CallMachine(state: .draft(Fixture.configuration))
        #expect(rejectionCode { try machine.configure(configuration, at: Fixture.now, calendar: .mondayToFriday, by: Fixture.secretariat) } == code)
        #expect(machine.state == .draft(Fixture.configuration))
    }

    @Test func scorecardWeightsNotSummingTo100AreRefusedAtConfigure() throws {
        var configuration = Fixture.configuration
        // As read from a file: decoding does not check the weights.
        let json = #"{"criteria": [{"id": "a", "title": "A", "weight": 60, "maxScore": 5}, {"id": "b", "title": "B", "weight": 30, "maxScore": 5}], "passThreshold": 60, "commentFloorPercent": 40}"#
        configuration.scorecard = try JSONDecoder().decode(Scorecard.self, from: Data(json.utf8))
        var machine = CallMachine(state: .draft(Fixture.configuration))
        #expect(rejectionCode { try machine.configure(configuration, at: Fixture.now, calendar: .mondayToFriday, by: Fixture.secretariat) } == "scorecard_weights_not_100")
    }

    @Test func onlyADraftCanBeDeleted() throws {
        let draft = CallMachine(state: .draft(Fixture.configuration))
        #expect(try draft.delete(by: Fixture.secretariat) == .deleteDraft)
        #expect(rejectionCode { try draft.delete(by: Fixture.manager) } == "role_required")
        for state: CallMachine.State in [.open(Fixture.configuration), .closed(Fixture.configuration), .decided(Fixture.configuration), .archived(Fixture.configuration)] {
            #expect(rejectionCode { try CallMachine(state: state).delete(by: Fixture.secretariat) } == "invalid_transition")
        }
    }

    @Test func proposalsAwaitingADecision() {
        #expect(CallMachine.awaitsDecision(.submitted(round: 1)))
        #expect(CallMachine.awaitsDecision(.inReview(round: 1)))
        #expect(CallMachine.awaitsDecision(.resubmitted(round: 2)))
        #expect(!CallMachine.awaitsDecision(.withdrawn(reason: "Duplicate")))
        #expect(!CallMachine.awaitsDecision(.draft))
    }
}

@Suite struct ScorecardTests {
    @Test(arguments: [
        ([Criterion](), 50, "scorecard_empty"),
        ([Criterion(id: "a", title: "A", weight: 60, maxScore: 5), Criterion(id: "b", title: "B", weight: 30, maxScore: 5)], 50, "scorecard_weights_not_100"),
        ([Criterion(id: "a", title: "A", weight: 100, maxScore: 0)], 50, "criterion_invalid"),
        // Weights whose sum would overflow are refused before they are added up.
        ([Criterion(id: "a", title: "A", weight: Int.max, maxScore: 5), Criterion(id: "b", title: "B", weight: 1, maxScore: 5)], 50, "criterion_invalid"),
        ([Criterion(id: "a", title: "A", weight: 50, maxScore: 5), Criterion(id: "a", title: "B", weight: 50, maxScore: 5)], 50, "criterion_duplicate"),
        ([Criterion(id: "a", title: "A", weight: 100, maxScore: 5)], 101, "pass_threshold_invalid"),
    ])
    func refusesInvalid(criteria: [Criterion], threshold: Int, code: String) {
        #expect(rejectionCode { try Scorecard(criteria: criteria, passThreshold: threshold) } == code)
    }

    @Test func commentFloor() throws {
        let criterion = Criterion(id: "a", title: "A", weight: 100, maxScore: 5)
        let card = try Scorecard(criteria: [criterion], passThreshold: 50, commentFloorPercent: 40)
        #expect(card.needsComment(score: 1, on: criterion))
        #expect(!card.needsComment(score: 2, on: criterion))
        #expect(rejectionCode { try Scorecard(criteria: [criterion], passThreshold: 50, commentFloorPercent: -1) } == "comment_floor_invalid")
    }
}

@Suite struct ScorecardSafetyTests {
    @Test func maximaWithAHugeCommonMultipleAreRefused() {
        let primes = [97, 89, 83, 79, 73]
        let criteria = primes.enumerated().map { Criterion(id: "c\($0.offset)", title: "C\($0.offset)", weight: 20, maxScore: $0.element) }
        #expect(rejectionCode { try Scorecard(criteria: criteria, passThreshold: 50) } == "scorecard_maxima_incompatible")
        let fine = [3, 4, 5, 10, 7].enumerated().map { Criterion(id: "c\($0.offset)", title: "C\($0.offset)", weight: 20, maxScore: $0.element) }
        #expect(rejectionCode { try Scorecard(criteria: fine, passThreshold: 50) } == nil)
        #expect(DecisionSLA.reserveCall == .businessHours(72))
    }
}
