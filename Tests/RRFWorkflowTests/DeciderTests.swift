import Foundation
import RRFWorkflow
import Testing

/// The rules that moved out of the store (issue 12), each tested without a database.
@Suite struct InputRuleTests {
    @Test func textsNumbersReferencesAndCountries() throws {
        #expect(try Validate.text("  Garissa ", field: "place", maximum: 10) == "Garissa")
        #expect(rejectionCode { try Validate.text(" ", field: "place", maximum: 10) } == "place_missing")
        #expect(rejectionCode { try Validate.text("Garissa county", field: "place", maximum: 10) } == "place_too_long")
        #expect(rejectionCode { try Validate.text("a\u{0}b", field: "place", maximum: 10) } == "place_invalid")
        #expect(try Validate.optionalText(nil, field: "summary", maximum: 5) == "")
        #expect(rejectionCode { try Validate.optionalText("too long", field: "summary", maximum: 5) } == "summary_too_long")
        #expect(rejectionCode { try Validate.limit(0) } == "limit_invalid")
        #expect(rejectionCode { try Validate.offset(-1) } == "offset_invalid")
        #expect(try Validate.referenceNumber(" ts-12 ", prefix: "TS", what: "training session") == 12)
        #expect(rejectionCode { try Validate.referenceNumber("TC-0", prefix: "TC", what: "certificate") } == "reference_invalid")
        #expect(try Validate.countryCode(" ke ") == "KE")
        #expect(rejectionCode { try Validate.countryCode("KEN") } == "country_invalid")
        #expect(rejectionCode { try Validate.oneOf("lost", ["assigned", "submitted"], code: "review_state_unknown", what: "review state") } == "review_state_unknown")
    }
}

@Suite struct FundingTests {
    let envelopes: Set<Cluster> = [.health]

    @Test func depositsAreByNamedDonorsPositiveInTheCallsCurrencyToAFundedCluster() throws {
        func deposit(_ donor: String, _ amount: String, _ cluster: Cluster = .health) throws -> String {
            try Funding.deposit(donor: donor, amount: money(amount), call: "SA-1", callCurrency: usd, fundedClusters: envelopes, cluster: cluster)
        }
        #expect(try deposit(" echo ", "100 USD") == "ECHO")
        #expect(rejectionCode { try deposit("ECHO:UK", "100 USD") } == "donor_invalid")
        #expect(rejectionCode { try deposit("ECHO", "0 USD") } == "amount_not_positive")
        #expect(rejectionCode { try deposit("ECHO", "100 EUR") } == "currency_differs_from_call")
        #expect(rejectionCode { try deposit("ECHO", "100 USD", .wash) } == "cluster_not_funded")
    }

    @Test func commitmentsNeedTheFundingAndFundedEnvelopesStay() throws {
        #expect(rejectionCode { try Funding.commit(money("100.01 USD"), available: money("100 USD"), cluster: .health, call: "SA-1") } == "insufficient_funds")
        #expect(rejectionCode { try Funding.commit(money("100 USD"), available: money("100 USD"), cluster: .health, call: "SA-1") } == nil)
        let funded = [Cluster.health: money("500 USD"), .wash: money("0 USD")]
        #expect(rejectionCode { try Funding.changeEnvelopes(to: [.wash: money("1 USD")], currency: usd, funded: funded, call: "SA-1") } == "envelope_funded")
        #expect(rejectionCode { try Funding.changeEnvelopes(to: [.health: money("1 EUR")], currency: try Currency(code: "EUR"), funded: funded, call: "SA-1") }
            == "call_currency_funded")
        #expect(rejectionCode { try Funding.changeEnvelopes(to: [.health: money("9 USD")], currency: usd, funded: funded, call: "SA-1") } == nil)
    }
}

@Suite struct ReviewPanelRuleTests {
    let reviewer = actor("Rita Reviewer", [.reviewer])

    @Test func assignmentNeedsMembershipOnceAndAReviewInProgress() {
        #expect(rejectionCode { try ReviewPanel.requireInReview(reference: "RRF-2026-0001", state: .submitted) } == "proposal_not_in_review")
        #expect(rejectionCode { try ReviewPanel.requireInReview(reference: "RRF-2026-0001", state: .inReview) } == nil)
        #expect(rejectionCode { try ReviewPanel.requireAssignable(reviewer: "Rita", isMember: false, existing: nil, committee: "PRC", reference: "R", round: 1) }
            == "reviewer_not_member")
        #expect(rejectionCode { try ReviewPanel.requireAssignable(reviewer: "Rita", isMember: true, existing: "recused", committee: "PRC", reference: "R", round: 1) }
            == "reviewer_already_assigned")
        #expect(rejectionCode { try ReviewPanel.requireReviewer(Fixture.manager) } == "reviewer_role_missing")
        #expect(rejectionCode { try ReviewPanel.requireAssigned(false, reference: "R", round: 1) } == "not_assigned_reviewer")
        #expect(rejectionCode { try ReviewPanel.requireCommittee(nil, cluster: .health, call: "SA-1") } == "committee_missing")
        #expect(rejectionCode { try ReviewPanel.requireCommittee(cluster: .wash, call: "SA-1", fundedClusters: [.health], quorum: 3) } == "cluster_not_funded")
        #expect(rejectionCode { try ReviewPanel.requireCommittee(cluster: .health, call: nil, fundedClusters: [], quorum: 0) } == "quorum_invalid")
    }

    @Test func automaticAssignmentPicksTheLeastLoadedMembersWithoutAConflict() throws {
        let members = [
            ReviewPanel.Member(login: "zoe", openReviews: 0, affiliated: false, declaredConflict: false),
            ReviewPanel.Member(login: "amy", openReviews: 0, affiliated: false, declaredConflict: false),
            ReviewPanel.Member(login: "bob", openReviews: 0, affiliated: true, declaredConflict: false),
            ReviewPanel.Member(login: "cat", openReviews: 0, affiliated: false, declaredConflict: true),
            ReviewPanel.Member(login: "dan", openReviews: 2, affiliated: false, declaredConflict: false),
        ]
        #expect(try ReviewPanel.pick(2, from: members, committee: "PRC", reference: "R", organisation: "NGO", quorum: 3) == ["amy", "zoe"])
        #expect(try ReviewPanel.pick(3, from: members, committee: "PRC", reference: "R", organisation: "NGO", quorum: 3) == ["amy", "zoe", "dan"])
        #expect(rejectionCode { try ReviewPanel.pick(4, from: members, committee: "PRC", reference: "R", organisation: "NGO", quorum: 4) } == "too_few_eligible_reviewers")
    }

    @Test func onlyTheChairOrTheSecretariatReassignsAndOnlyAnOpenReview() throws {
        #expect(rejectionCode { try ReviewPanel.reassign(by: reviewer, isChair: false, committee: "PRC", reviewer: "Rita", submitted: false) } == "role_required")
        #expect(rejectionCode { try ReviewPanel.reassign(by: reviewer, isChair: true, committee: "PRC", reviewer: "Rita", submitted: true) } == "review_already_submitted")
        #expect(try ReviewPanel.reassign(by: reviewer, isChair: true, committee: "PRC", reviewer: "Rita", submitted: false).has(.secretariat))
        #expect(rejectionCode { try ReviewPanel.requireMayDeclareConflict(of: reviewer, by: Fixture.manager) } == "role_required")
        #expect(rejectionCode { try ReviewPanel.requireMayDeclareConflict(of: reviewer, by: reviewer) } == nil)
    }

    @Test func oneConflictRuleAtAssignmentAndAtScoring() {
        let affiliated = actor("Ahmed", [.reviewer], organisations: [Fixture.organisationID])
        #expect(ReviewMachine.hasConflict(affiliated, declaredConflicts: [], organisationID: Fixture.organisationID))
        #expect(ReviewMachine.hasConflict(reviewer, declaredConflicts: [Fixture.organisationID], organisationID: Fixture.organisationID))
        #expect(!ReviewMachine.hasConflict(reviewer, declaredConflicts: [], organisationID: Fixture.organisationID))
        func score(_ who: Actor, declaredLater: Bool) -> String? {
            rejectionCode {
                try ReviewMachine.requireUnconflictedToScore(
                    who, declaredConflicts: [], organisationID: Fixture.organisationID, conflictDeclaredOnReview: declaredLater, organisation: "NGO", reference: "R"
                )
            }
        }
        #expect(score(affiliated, declaredLater: false) == "reviewer_conflict_declared")
        #expect(score(reviewer, declaredLater: true) == "reviewer_conflict_declared")
        #expect(score(reviewer, declaredLater: false) == nil)
    }

    @Test func anImportSheetKeepsEachRowsProblemAndRefusesTheWholeSheet() throws {
        let rows = try ReviewImportSheet.read("reference,reviewer,relevance,comments\nrrf-2026-0001,Rita,4,Good\nRRF-2026-0001,rita,5,Again\nRRF-2026-0002,rolf,four,\nshort\n")
        #expect(rows.map(\.line) == [2, 3, 4, 5])
        let first = try rows[0].entry.get()
        #expect(first.reference == "RRF-2026-0001" && first.reviewer == "rita" && first.scores == ["relevance": 4] && first.comments == "Good")
        let codes = rows.dropFirst().map { row -> String? in if case .failure(let error) = row.entry { error.code } else { nil } }
        #expect(codes == ["import_row_duplicate", "score_not_a_number", "import_row_invalid"])
        #expect(rejectionCode { try ReviewImportSheet.read("") } == "import_empty")
        #expect(rejectionCode { try ReviewImportSheet.read("a,b\n1,2\n") } == "import_header_invalid")
        #expect(rejectionCode { try ReviewImportSheet.read("reference,reviewer\n\"open") } == "csv_invalid")
        #expect(rejectionCode { try ReviewImportSheet.requireAllValid(["line 3: x"], rows: 4) } == "import_invalid")
    }
}

@Suite struct AccountAndCallRuleTests {
    @Test func theFirstUserIsAnAdministratorAndLaterOnesAreAddedByOne() {
        func register(_ roles: Set<Role>, first: Bool, by actor: Actor?, organisations: Int = 0) -> String? {
            rejectionCode { try UserAccountMachine.register(roles: roles, organisationCount: organisations, isFirstUser: first, by: actor) }
        }
        #expect(register([.secretariat], first: true, by: nil) == "first_user_not_admin")
        #expect(register([.admin], first: true, by: nil) == nil)
        #expect(register([.admin], first: false, by: nil) == "actor_missing")
        #expect(register([.reviewer], first: false, by: Fixture.manager) == "role_required")
        let admin = actor("Ada", [.admin])
        #expect(register([], first: false, by: admin) == "roles_missing")
        #expect(register([.ngoUser], first: false, by: admin, organisations: 2) == "ngo_user_needs_one_organisation")
        #expect(register([.ngoUser], first: false, by: admin, organisations: 1) == nil)
    }

    @Test func openingsScorecardsAndRequirementsFollowTheCallsState() {
        let draft = CallMachine(state: .draft(Fixture.configuration))
        let open = CallMachine(state: .open(Fixture.configuration))
        let decided = CallMachine(state: .decided(Fixture.configuration))
        #expect(rejectionCode { try draft.scheduleOpening(at: Fixture.now, code: "SA-1", by: Fixture.manager) } == "role_required")
        #expect(rejectionCode { try draft.scheduleOpening(at: Fixture.configuration.submissionDeadline, code: "SA-1", by: Fixture.secretariat) } == "opening_after_deadline")
        #expect(rejectionCode { try open.scheduleOpening(at: Fixture.now, code: "SA-1", by: Fixture.secretariat) } == "call_not_draft")
        #expect(rejectionCode { try draft.scheduleOpening(at: Fixture.now, code: "SA-1", by: Fixture.secretariat) } == nil)
        #expect(rejectionCode { try open.requireScorecardChangeable(code: "SA-1", reviews: 1) } == "scorecard_fixed")
        #expect(rejectionCode { try decided.requireScorecardChangeable(code: "SA-1", reviews: 0) } == "invalid_transition")
        #expect(rejectionCode { try open.requireTrainingRequirementsChangeable(code: "SA-1") } == nil)
        #expect(rejectionCode { try decided.requireTrainingRequirementsChangeable(code: "SA-1") } == "call_not_editable")
    }

    @Test func rostersAdmitValidPeopleWithinCapacityOrRefuseTheSheet() throws {
        let alpha = UUID()
        func admit(_ people: [(Int, ParticipantInput)], recorded: Set<String> = [], capacity: Int = 3) throws -> [RosterEntry] {
            try TrainingRoster.admit(
                people.map { (line: $0.0, participant: $0.1) }, organisations: ["NGO-ALPHA": alpha], recorded: recorded, session: "TS-1",
                capacity: capacity, alreadyRecorded: recorded.count
            )
        }
        let amina = ParticipantInput(name: "  Amina   Yusuf ", organisation: "ngo-alpha", passed: true)
        #expect(try admit([(2, amina)]).map(\.name) == ["Amina Yusuf"])
        #expect(rejectionCode { try admit([(2, amina), (3, amina)]) } == "attendance_sheet_invalid")
        #expect(rejectionCode { try admit([(0, ParticipantInput(name: "X", organisation: "NGO-BETA"))]) } == "participant_invalid")
        #expect(rejectionCode { try admit([(0, ParticipantInput(name: "X", organisation: "NGO-ALPHA", attended: false, passed: true))]) } == "participant_invalid")
        #expect(rejectionCode { try admit([(2, amina)], capacity: 0) } == "attendance_sheet_invalid")
        #expect(rejectionCode {
            try TrainingSessionMachine.requireSchedulable(trainer: Fixture.manager, from: Fixture.today, to: Fixture.today, place: "Garissa", capacity: 10, by: Fixture.secretariat)
        } == "trainer_role_required")
        let trainer = actor("Tom Trainer", [.trainer])
        #expect(rejectionCode {
            try TrainingSessionMachine.requireSchedulable(trainer: trainer, from: Fixture.today, to: Fixture.today, place: "Garissa", capacity: 10, by: actor("Other", [.trainer]))
        } == "not_session_trainer")
        #expect(rejectionCode {
            try TrainingSessionMachine.requireSchedulable(trainer: trainer, from: Fixture.today, to: Fixture.today.adding(days: -1), place: "Garissa", capacity: 10, by: trainer)
        } == "session_dates_invalid")
        #expect(rejectionCode {
            try TrainingSessionMachine.requireSchedulable(trainer: trainer, from: Fixture.today, to: Fixture.today, place: "Garissa", capacity: 0, by: trainer)
        } == "capacity_invalid")
        #expect(rejectionCode { try Certificate.requireRevocable(reference: "TC-1", revokedAt: Fixture.now) } == "certificate_already_revoked")
        #expect(rejectionCode { try TrainingShortfall.requireNone(
            [TrainingShortfall(courseCode: "PSEA", courseTitle: "PSEA", required: 2, valid: 1)], organisation: "NGO-ALPHA", call: "SA-1"
        ) } == "training_requirement_unmet")
    }
}
