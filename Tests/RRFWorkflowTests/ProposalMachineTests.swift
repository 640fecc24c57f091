import Foundation
import RRFWorkflow
import Testing

@Suite struct ProposalMachineTests {
    @Test func transitionTableCoversEveryStateAndEvent() {
        let beforeDecision = ["draft", "submitted", "in_review", "scored", "revision_requested", "resubmitted"]
        let expected = table([
            ("draft", "submit", "submitted"), ("submitted", "pass_screening", "in_review"), ("submitted", "fail_screening", "ineligible"),
            ("resubmitted", "pass_screening", "in_review"), ("resubmitted", "fail_screening", "ineligible"),
            ("in_review", "mark_scored", "scored"), ("scored", "reopen_review", "in_review"), ("scored", "approve", "approved"), ("scored", "reject", "rejected"),
            ("scored", "request_revision", "revision_requested"), ("revision_requested", "resubmit", "resubmitted"),
        ] + beforeDecision.map { ($0, "withdraw", "withdrawn") })
        #expect(verifyTable(ProposalMachine.self, expected: expected) == [])
    }

    @Test func aPageIsOfferedWhatTheMachineWouldDo() {
        #expect(ProposalMachine.offers("withdraw", from: "in_review"))
        #expect(!ProposalMachine.offers("withdraw", from: "approved"))
        #expect(ProposalMachine.offers("resubmit", from: "revision_requested"))
        #expect(!ProposalMachine.offers("resubmit", from: "resubmitted"))
        #expect(!ProposalMachine.offers("no_such_event", from: "draft"))
    }

    @Test func submissionRecordsTheDecisionDeadline() throws {
        var machine = ProposalMachine(state: .draft)
        let action = try machine.submit(Fixture.check())
        // Monday 09:00 UTC + 10 business days → close of Monday 2026-12-07.
        #expect(action == .recordSubmission(round: 1, requested: money("100000 USD"), decisionDue: instant("2026-12-07T17:00:00Z")))
        #expect(machine.state == .submitted(round: 1))
    }

    @Test func screeningIsForTheSecretariatAndFailureNeedsAReason() throws {
        var machine = ProposalMachine(state: .submitted(round: 1))
        #expect(rejectionCode { try machine.passScreening(by: Fixture.manager) } == "role_required")
        #expect(rejectionCode { try machine.failScreening(reason: "  ", by: Fixture.secretariat) } == "reason_required")
        var failing = machine
        #expect(try failing.failScreening(reason: "Not registered in country", by: Fixture.secretariat) == .notifyIneligible(reason: "Not registered in country"))
        #expect(try machine.passScreening(by: Fixture.secretariat) == .assignReviewers(round: 1))
        #expect(machine.state == .inReview(round: 1))
    }

    @Test func scoredNeedsQuorumAndCompletion() throws {
        let deadline = Fixture.now.addingTimeInterval(86_400)
        var machine = ProposalMachine(state: .inReview(round: 1))
        let short = ReviewProgress(submitted: 2, recused: 1, pending: 0, reviewDeadline: deadline)
        #expect(rejectionCode { try machine.markScored(progress: short, at: Fixture.now, by: Fixture.secretariat) } == "review_quorum_not_met")
        let waiting = ReviewProgress(submitted: 3, recused: 0, pending: 1, reviewDeadline: deadline)
        #expect(rejectionCode { try machine.markScored(progress: waiting, at: Fixture.now, by: Fixture.secretariat) } == "reviews_pending")
        #expect(waiting.isScored(at: deadline))
        #expect(rejectionCode { try machine.markScored(progress: waiting, at: deadline, by: Fixture.partner) } == "role_required")
        #expect(try machine.markScored(progress: waiting, at: deadline, by: Fixture.secretariat) == .requestDecision(round: 1))
        // A conflict declared after scoring discounts a review: with the quorum still met it stays scored,
        // below it the review reopens for a replacement.
        #expect(rejectionCode { try machine.reopenReview(progress: waiting, by: Fixture.secretariat) } == "review_quorum_still_met")
        #expect(rejectionCode { try machine.reopenReview(progress: short, by: Fixture.partner) } == "role_required")
        #expect(try machine.reopenReview(progress: short, by: Fixture.secretariat) == .assignReviewers(round: 1))
        #expect(machine.state == .inReview(round: 1))
    }

    private func approve(
        amount: String = "80000 USD", requested: String = "100000 USD", balance: String = "90000 USD", justification: String = "Strong",
        by decider: Actor = Fixture.manager
    ) throws -> ProposalMachine.Action {
        var machine = ProposalMachine(state: .scored(round: 2))
        return try machine.approve(
            amount: money(amount), requested: money(requested), envelopeBalance: money(balance), justification: justification,
            organisationID: Fixture.organisationID, at: Fixture.now, by: decider
        )
    }

    @Test func approvalRecordsWhoAndWhen() throws {
        let action = try approve()
        let decision = ProposalDecision(
            kind: .approve, amount: money("80000 USD"), justification: "Strong", round: 2,
            decidedBy: Fixture.manager.userID, decidedByName: "Fatuma Manager", decidedAt: Fixture.now
        )
        #expect(action == .commitFunds(decision))
        #expect(rejectionCode { try approve(amount: "90000 USD") } == nil) // exactly the envelope balance
        #expect(rejectionCode { try approve(amount: "100000 USD", balance: "100000 USD") } == nil) // exactly the request
    }

    @Test(arguments: [
        ("80000 USD", "100000 USD", "90000 USD", "Strong", "role_required", 0),
        ("80000 USD", "100000 USD", "90000 USD", "Strong", "conflict_of_interest", 1),
        ("80000 USD", "100000 USD", "90000 USD", " ", "justification_required", 2),
        ("0 USD", "100000 USD", "90000 USD", "Strong", "amount_not_positive", 2),
        ("100000.01 USD", "100000 USD", "200000 USD", "Strong", "amount_exceeds_request", 2),
        ("90000.01 USD", "100000 USD", "90000 USD", "Strong", "amount_exceeds_envelope", 2),
        ("80000 EUR", "100000 USD", "90000 USD", "Strong", "currency_mismatch", 2),
        ("80000 USD", "100000 USD", "90000 EUR", "Strong", "currency_mismatch", 2),
    ])
    func approvalRules(amount: String, requested: String, balance: String, justification: String, code: String, deciderIndex: Int) {
        let deciders = [Fixture.finance, actor("Affiliated", [.fundManager], organisations: [Fixture.organisationID]), Fixture.manager]
        #expect(rejectionCode {
            try approve(amount: amount, requested: requested, balance: balance, justification: justification, by: deciders[deciderIndex])
        } == code)
    }

    @Test func rejectAndRevisionNeedTextAndIndependence() throws {
        var machine = ProposalMachine(state: .scored(round: 1))
        let affiliated = actor("Affiliated", [.fundManager], organisations: [Fixture.organisationID])
        #expect(rejectionCode { try machine.reject(justification: "", organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.manager) }
            == "justification_required")
        #expect(rejectionCode { try machine.reject(justification: "Weak", organisationID: Fixture.organisationID, at: Fixture.now, by: affiliated) }
            == "conflict_of_interest")
        #expect(rejectionCode { try machine.requestRevision(reason: " ", organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.manager) }
            == "justification_required")
        #expect(rejectionCode { try machine.requestRevision(reason: "Budget", organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.secretariat) }
            == "role_required")
        var rejecting = machine
        let rejection = try rejecting.reject(justification: "Weak", organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.manager)
        #expect(rejection == .recordDecision(ProposalDecision(
            kind: .reject, amount: nil, justification: "Weak", round: 1, decidedBy: Fixture.manager.userID, decidedByName: "Fatuma Manager", decidedAt: Fixture.now
        )))
        _ = try machine.requestRevision(reason: "Budget too high", organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.manager)
        #expect(machine.state == .revisionRequested(round: 1, reason: "Budget too high"))
    }

    @Test func revisionStartsANewRound() throws {
        var machine = ProposalMachine(state: .revisionRequested(round: 1, reason: "Budget"))
        #expect(rejectionCode { try machine.resubmit(Fixture.check()) } == "revision_check_expected")
        // The call has closed by now; a revision is still accepted.
        let action = try machine.resubmit(Fixture.check(call: .closed(Fixture.configuration), isRevision: true))
        guard case .recordSubmission(let round, _, _) = action else {
            Issue.record("unexpected action \(action)")
            return
        }
        #expect(round == 2)
        #expect(machine.round == 2)
        _ = try machine.passScreening(by: Fixture.secretariat)
        #expect(machine.state == .inReview(round: 2))
    }

    @Test func withdrawal() throws {
        var machine = ProposalMachine(state: .inReview(round: 1))
        #expect(rejectionCode { try machine.withdraw(reason: "Funded", organisationID: Fixture.organisationID, by: Fixture.outsider) } == "actor_not_in_organisation")
        #expect(rejectionCode { try machine.withdraw(reason: "Funded", organisationID: Fixture.organisationID, by: Fixture.manager) } == "role_required")
        #expect(rejectionCode { try machine.withdraw(reason: "", organisationID: Fixture.organisationID, by: Fixture.partner) } == "reason_required")
        var bySecretariat = machine
        #expect(try bySecretariat.withdraw(reason: "Duplicate", organisationID: Fixture.organisationID, by: Fixture.secretariat) == .cancelReviews(reason: "Duplicate"))
        #expect(try machine.withdraw(reason: "Funded", organisationID: Fixture.organisationID, by: Fixture.partner) == .cancelReviews(reason: "Funded"))
        #expect(machine.state == .withdrawn(reason: "Funded"))
    }
}

@Suite struct SubmissionCheckTests {
    static var cases: [(String, SubmissionCheck)] {
        var draft = Fixture.draft
        func with(_ change: (inout ProposalDraft) -> Void) -> ProposalDraft {
            var copy = draft
            change(&copy)
            return copy
        }
        let euroDraft = with {
            $0.requested = money("100 EUR")
            $0.budgetLines = [BudgetLine(description: "All", amount: money("100 EUR"))]
        }
        let largeDraft = with {
            $0.requested = money("100000.01 USD")
            $0.budgetLines = [BudgetLine(description: "All", amount: money("100000.01 USD"))]
        }
        let cases: [(String, SubmissionCheck)] = [
            ("role_required", Fixture.check(actor: Fixture.secretariat)),
            ("actor_not_in_organisation", Fixture.check(actor: Fixture.outsider)),
            ("organisation_not_assessed", Fixture.check(organisation: .registered)),
            ("due_diligence_expired", Fixture.check(now: instant("2027-01-11T09:00:00Z"))),
            ("organisation_ineligible", Fixture.check(organisation: .ineligible(until: day("2027-01-01"), reason: "Fraud"))),
            ("organisation_suspended", Fixture.check(organisation: .suspended(Fixture.assessment, reason: "Audit"))),
            ("call_not_open", Fixture.check(call: .draft(Fixture.configuration))),
            ("call_not_open", Fixture.check(call: .closed(Fixture.configuration))),
            ("submission_deadline_passed", Fixture.check(now: Fixture.configuration.submissionDeadline)),
            ("required_field_missing", Fixture.check(draft: with { $0.title = "  " })),
            ("title_too_long", Fixture.check(draft: with { $0.title = String(repeating: "é", count: 301) })),
            ("required_field_missing", Fixture.check(draft: with { $0.cluster = nil })),
            ("required_field_missing", Fixture.check(draft: with { $0.locations = [" "] })),
            ("beneficiaries_not_positive", Fixture.check(draft: with { $0.beneficiaries = 0 })),
            ("required_field_missing", Fixture.check(draft: with { $0.requested = nil })),
            ("requested_amount_not_positive", Fixture.check(draft: with { $0.requested = money("0 USD") })),
            ("duration_out_of_range", Fixture.check(draft: with { $0.durationMonths = 0 })),
            ("duration_out_of_range", Fixture.check(draft: with { $0.durationMonths = 25 })),
            ("required_field_missing", Fixture.check(draft: with { $0.budgetLines = [] })),
            ("budget_total_mismatch", Fixture.check(draft: with { $0.budgetLines.removeLast() })),
            ("currency_mismatch", Fixture.check(draft: with { $0.budgetLines.append(BudgetLine(description: "x", amount: money("1 EUR"))) })),
            ("currency_differs_from_call", Fixture.check(draft: euroDraft)),
            ("amount_above_ceiling", Fixture.check(draft: largeDraft)),
            ("cluster_not_funded", Fixture.check(draft: with { $0.cluster = .education })),
        ]
        draft.title = String(repeating: "a", count: 300)
        return cases + [("", Fixture.check(draft: draft))]
    }

    @Test(arguments: 0..<25)
    func refusesEachProblem(index: Int) {
        let (code, check) = Self.cases[index]
        #expect(rejectionCode { try check.run() } == (code.isEmpty ? nil : code), "case \(index)")
    }

    @Test func acceptsAValidSubmission() throws {
        #expect(try Fixture.check().run() == money("100000 USD"))
    }
}

@Suite struct DiagramTests {
    @Test func mermaidAndDotAreGeneratedFromTheMachines() {
        let mermaid = WorkflowDiagram.mermaid(WorkflowDiagram.allMachines)
        #expect(mermaid.hasPrefix("stateDiagram-v2\n"))
        #expect(mermaid.contains("proposal_scored --> proposal_approved : approve"))
        #expect(mermaid.contains("[*] --> proposal_draft"))
        #expect(mermaid.contains("proposal_approved --> [*]"))
        let dot = WorkflowDiagram.dot([CallMachine.self])
        #expect(dot.hasPrefix("digraph workflow {"))
        #expect(dot.contains("\"call.draft\" -> \"call.open\" [label=\"open\"];"))
        #expect(dot.contains("\"call.archived\" [label=\"archived\", shape=doublecircle];"))
        #expect(dot.hasSuffix("}\n"))
    }
}

@Suite struct AllMachinesTests {
    @Test func everyMachineDescribesItself() {
        let names = WorkflowDiagram.allMachines.map { $0.machineName }
        #expect(names == ["organisation", "call", "proposal", "review", "grant", "tranche", "report", "training_session"])
        for machine in WorkflowDiagram.allMachines {
            #expect(Set(machine.stateNames).count == machine.stateNames.count, "\(machine.machineName)")
            #expect(!machine.transitions.isEmpty, "\(machine.machineName)")
            #expect(machine.outcomes.allSatisfy { $0.refusal == nil || $0.refusal == "invalid_transition" }, "\(machine.machineName)")
        }
        let dot = WorkflowDiagram.dot(WorkflowDiagram.allMachines)
        #expect(dot.contains("\"tranche.approved\" -> \"tranche.released\" [label=\"release\"];"))
    }

    /// Each machine's sampled state names are its stored-name enum, case for case and in order (the initial state first).
    @Test func everyMachinesStateNamesAreItsNameEnum() {
        #expect(OrganisationMachine.stateNames == OrganisationMachine.State.Name.allCases.map(\.rawValue))
        #expect(CallMachine.stateNames == CallMachine.State.Name.allCases.map(\.rawValue))
        #expect(ProposalMachine.stateNames == ProposalMachine.State.Name.allCases.map(\.rawValue))
        #expect(ReviewMachine.stateNames == ReviewMachine.State.Name.allCases.map(\.rawValue))
        #expect(GrantMachine.stateNames == GrantMachine.State.Name.allCases.map(\.rawValue))
        #expect(TrancheMachine.stateNames == TrancheMachine.State.Name.allCases.map(\.rawValue))
        #expect(ReportMachine.stateNames == ReportMachine.State.Name.allCases.map(\.rawValue))
        #expect(TrainingSessionMachine.stateNames == TrainingSessionMachine.State.Name.allCases.map(\.rawValue))
        #expect(UserAccountMachine.State.Name.allCases.map(\.rawValue) == ["active", "deactivated"])
        #expect(ProposalMachine.State.Name.inReview.description == "in_review")
    }

    @Test func wrongStateIsReportedBeforeTheFacts() {
        var machine = ProposalMachine(state: .inReview(round: 1))
        #expect(rejectionCode {
            try machine.approve(
                amount: money("1000000 USD"), requested: money("1 USD"), envelopeBalance: money("1 USD"), justification: "x",
                organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.manager
            )
        } == "invalid_transition")
    }
}
