import Foundation
import Postgres
@testable import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Every state of each machine, written to its row the way the commands write it, reads back as the same state
/// through the record's `machine`; a row that matches no state is refused with `inconsistent_row`.
@Suite struct MachineRoundTripTests {
    /// A fixed instant on a whole second (timestamptz keeps microseconds).
    static let instant = Date(timeIntervalSince1970: 1_795_348_800)

    @Test func everyProposalStateRoundTrips() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let proposal = try fund.store.submitProposal(Fund.submission(), as: "ngo")
            let manager = try fund.store.user("fm")
            func decision(_ kind: ProposalDecision.Kind, round: Int = 1) -> ProposalDecision {
                ProposalDecision(
                    kind: kind, amount: kind == .approve ? Fund.usd(1_000_000) : nil, justification: "Because \(kind)", round: round,
                    decidedBy: UserID(manager.id), decidedByName: manager.displayName, decidedAt: Self.instant
                )
            }
            let states: [ProposalMachine.State] = [
                .draft, .submitted(round: 1), .inReview(round: 1), .scored(round: 1), .approved(decision(.approve)), .rejected(decision(.reject)),
                .ineligible(reason: "Outside the call's area"), .revisionRequested(round: 1, reason: decision(.requestRevision).justification),
                .resubmitted(round: 2), .withdrawn(reason: "Funded elsewhere"),
            ]
            #expect(states.map(\.name.rawValue) == ProposalMachine.stateNames)
            for state in states {
                try Self.write(state, proposal: proposal.id, decision: decision(.requestRevision), on: db)
                #expect(try fund.store.proposal(proposal.reference).machine.state == state, "\(state.name)")
            }
        }
    }

    @Test func everyOrganisationStateRoundTrips() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let today = try LocalDate(year: 2026, month: 11, day: 22)
            let assessment = Assessment(risk: .high, assessedOn: today, dueDiligenceExpiry: today.adding(months: 12))
            let states: [OrganisationMachine.State] = [
                .registered, .assessed(assessment), .reassessed(assessment), .ineligible(until: today.adding(days: 90), reason: "Sanctioned"),
                .suspended(assessment, reason: "Audit pending"),
            ]
            #expect(states.map(\.name.rawValue) == OrganisationMachine.stateNames)
            for state in states {
                let (assessed, until, reason): (Assessment?, LocalDate?, String?) = switch state {
                case .registered: (nil, nil, nil)
                case .assessed(let assessment), .reassessed(let assessment): (assessment, nil, nil)
                case .ineligible(let until, let reason): (nil, until, reason)
                case .suspended(let assessment, let reason): (assessment, nil, reason)
                }
                try Self.execute(
                    """
                    UPDATE organisations SET state = $2, risk = $3, assessed_on = $4::date, due_diligence_expires = $5::date,
                        ineligible_until = $6::date, reason = $7
                    WHERE code = $1
                    """,
                    [
                        "NGO-BETA", state.name, assessed?.risk.rawValue, assessed?.assessedOn.description, assessed?.dueDiligenceExpiry.description,
                        until?.description, reason,
                    ],
                    on: db
                )
                #expect(try fund.store.organisation("NGO-BETA").machine.state == state)
            }
        }
    }

    @Test func everyCallStateRoundTrips() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let configuration = try fund.store.call("SA-1").configuration
            let states: [CallMachine.State] = [
                .draft(configuration), .open(configuration), .closed(configuration), .decided(configuration), .archived(configuration),
            ]
            #expect(states.map(\.name.rawValue) == CallMachine.stateNames)
            for state in states {
                try Self.execute("UPDATE calls SET state = $2 WHERE code = $1", ["SA-1", state.name], on: db)
                #expect(try fund.store.call("SA-1").machine.state == state)
            }
        }
    }

    @Test func everyReviewStateRoundTrips() throws {
        try withTestDatabase { db in
            let (fund, proposal, review) = try Self.assignedReview(db)
            let assignment = ReviewMachine.Assignment(
                reviewerID: UserID(review.reviewerID), reviewerName: review.reviewerName, round: review.round, dueAt: review.dueAt
            )
            let sheet = ScoreSheet(
                reviewerID: UserID(review.reviewerID), scores: ["relevance": 4, "capacity": 3], comments: ["relevance": "Clear need"],
                submittedAt: Self.instant
            )
            let states: [ReviewMachine.State] = [.assigned(assignment), .submitted(assignment, sheet), .recused(assignment, reason: "Former employer")]
            #expect(states.map(\.name.rawValue) == ReviewMachine.stateNames)
            for state in states {
                let (submitted, recusal): (ScoreSheet?, String?) = switch state {
                case .assigned: (nil, nil)
                case .submitted(_, let sheet): (sheet, nil)
                case .recused(_, let reason): (nil, reason)
                }
                try Self.execute(
                    """
                    UPDATE reviews SET state = $2, scores = $3::jsonb, comments = $4::jsonb, submitted_at = $5, entered_by = $6,
                        recusal_reason = $7, recused_at = $8
                    WHERE id = $1
                    """,
                    [
                        review.id, state.name, submitted.map { JSONValue($0.scores) }, submitted.map { JSONValue($0.comments) },
                        submitted?.submittedAt, submitted.map { _ in review.reviewerID }, recusal, recusal.map { _ in Self.instant },
                    ],
                    on: db
                )
                let reread = try #require(try fund.store.reviews(ReviewFilter(reference: proposal.reference)).first { $0.id == review.id })
                #expect(try reread.machine.state == state)
            }
        }
    }

    @Test func everyTrainingSessionStateRoundTrips() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let scheduled = try Self.sessionToday(fund)
            let participant = try fund.store.recordAttendance(
                session: scheduled.reference,
                ParticipantInput(name: "Amina", organisation: "NGO-ALPHA", role: "Finance officer", gender: "female", attended: true, passed: true),
                as: "trainer"
            )
            let attended = [Attendance(name: "Amina", organisationID: OrganisationID(participant.organisationID), role: "Finance officer", gender: "female", passed: true)]
            let plan = try scheduled.plan()
            let states: [TrainingSessionMachine.State] = [.scheduled(plan), .held(plan, attended), .closed(plan, attended), .cancelled(plan, reason: "Flooded road")]
            #expect(states.map(\.name.rawValue) == TrainingSessionMachine.stateNames)
            for state in states {
                let reason: String? = if case .cancelled(_, let reason) = state { reason } else { nil }
                try Self.execute(
                    "UPDATE training_sessions SET state = $2, cancel_reason = $3 WHERE id = $1", [scheduled.id, state.name, reason], on: db
                )
                let reread = try fund.store.trainingSession(scheduled.reference)
                #expect(try reread.machine(attendance: [participant]).state == state)
            }
        }
    }

    @Test func bothUserAccountStatesRoundTrip() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let user = try fund.store.user("sec")
            let profile = UserProfile(userID: UserID(user.id), displayName: user.displayName, email: user.email, roles: Set(user.roles), organisationCount: 0)
            for state in [UserAccountMachine.State.active(profile), .deactivated(profile, since: Self.instant)] {
                let since: Date? = if case .deactivated(_, let since) = state { since } else { nil }
                try Self.execute("UPDATE users SET deactivated_at = $2 WHERE id = $1", [user.id, since], on: db)
                #expect(try fund.store.user("sec").machine.state == state)
            }
        }
    }

    // MARK: Rows that match no state

    @Test func anApprovedProposalWithoutItsDecisionIsRefusedNotReadAsDraft() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let proposal = try fund.store.submitProposal(Fund.submission(), as: "ngo")
            try Self.forge("UPDATE proposals SET state = 'approved', decision = NULL WHERE id = $1", [proposal.id], dropping: "proposals_decision_recorded", of: "proposals", on: db)
            let loaded = try fund.store.proposal(proposal.reference)
            Self.expectInconsistent(try loaded.machine, "The proposal \(proposal.reference)", state: "approved")
            let error = refusal { _ = try fund.store.withdrawProposal(proposal.reference, reason: "Funded elsewhere", as: "ngo") }
            #expect(error?.code == "inconsistent_row")
            #expect(try fund.store.proposal(proposal.reference).state == "approved")
        }
    }

    @Test func aSuspendedOrganisationWithoutAReasonIsRefused() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            try Self.forge("UPDATE organisations SET state = 'suspended', reason = NULL WHERE code = 'NGO-ALPHA'", [], dropping: "organisations_reason_present", of: "organisations", on: db)
            let organisation = try fund.store.organisation("NGO-ALPHA")
            Self.expectInconsistent(try organisation.machine, "The organisation NGO-ALPHA", state: "suspended")
            #expect(refusal { _ = try fund.store.submitProposal(Fund.submission(), as: "ngo") }?.code == "inconsistent_row")
        }
    }

    @Test func aCallInAnUnknownStateIsRefusedWhenRead() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            try Self.forge("UPDATE calls SET state = 'paused' WHERE code = 'SA-1'", [], dropping: "calls_state_known", of: "calls", on: db)
            let error = refusal { _ = try fund.store.call("SA-1") }
            #expect(error?.code == "inconsistent_row")
            #expect(error?.kind == .internal)
            #expect(error?.message.hasPrefix("The call SA-1 is stored in the state \"paused\"") == true)
        }
    }

    @Test func aRecusedReviewWithoutAReasonIsRefusedNotReadAsAssigned() throws {
        try withTestDatabase { db in
            let (fund, proposal, review) = try Self.assignedReview(db)
            try Self.forge("UPDATE reviews SET state = 'recused', recusal_reason = NULL WHERE id = $1", [review.id], dropping: "reviews_recusal_reason_present", of: "reviews", on: db)
            let error = refusal { _ = try fund.store.reviews(ReviewFilter(reference: proposal.reference)) }
            #expect(error?.code == "inconsistent_row")
            #expect(error?.message.contains("The review of \(proposal.reference) (round 1) by rev-a") == true)
        }
    }

    @Test func aTrainingSessionInAnUnknownStateIsRefusedNotReadAsScheduled() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let session = try Self.sessionToday(fund)
            try Self.forge("UPDATE training_sessions SET state = 'postponed' WHERE id = $1", [session.id], dropping: "training_sessions_state_known", of: "training_sessions", on: db)
            let error = refusal { _ = try fund.store.cancelTrainingSession(session.reference, reason: "Flooded road", as: "sec") }
            #expect(error?.code == "inconsistent_row")
            #expect(error?.message.contains("The training session \(session.reference)") == true)
        }
    }

    // MARK: Helpers

    /// Writes the columns a proposal's commands write for `state`; `decision` stands for the revision request.
    static func write(_ state: ProposalMachine.State, proposal id: UUID, decision revision: ProposalDecision, on db: TestDatabase) throws {
        let (round, screening, withdrawal, decision): (Int, String?, String?, ProposalDecision?) = switch state {
        case .draft: (1, nil, nil, nil)
        case .submitted(let round), .inReview(let round), .scored(let round), .resubmitted(let round): (round, nil, nil, nil)
        case .approved(let decision), .rejected(let decision): (decision.round, nil, nil, decision)
        case .ineligible(let reason): (1, reason, nil, nil)
        case .revisionRequested(let round, _): (round, nil, nil, revision)
        case .withdrawn(let reason): (1, nil, reason, nil)
        }
        try execute(
            """
            UPDATE proposals SET state = $2, round = $3, screening_reason = $4, withdrawal_reason = $5, decision = $6, decided_by = $7,
                decided_at = $8, approved_minor = $9, justification = $10
            WHERE id = $1
            """,
            [
                id, state.name, round, screening, withdrawal, decision?.kind.rawValue, decision?.decidedBy.uuid, decision?.decidedAt,
                decision?.amount?.minorUnits, decision?.justification,
            ],
            on: db
        )
    }

    /// The standard fund with a review panel, a proposal in review and its review by `rev-a`.
    static func assignedReview(_ db: TestDatabase) throws -> (Fund, ProposalRecord, ReviewRecord) {
        let fund = try Fund.standard(db)
        try fund.reviewPanel(["rev-a", "rev-b", "rev-c"])
        let proposal = try fund.proposalInReview()
        return (fund, proposal, try fund.store.assignReviewer(proposal.reference, reviewer: "rev-a", as: "sec"))
    }

    /// A one-day PSEA session scheduled for today.
    static func sessionToday(_ fund: Fund) throws -> TrainingSessionRecord {
        let today = LocalDate(Date(), utcOffsetMinutes: 0)
        return try fund.store.scheduleTrainingSession(
            course: "PSEA", startDate: today, endDate: today, place: "Nairobi", trainer: "trainer", capacity: 30, as: "sec"
        )
    }

    /// Writes a row the schema refuses, as a change made beside RRF could: drops `constraint` of `table` in this
    /// test's own database, then runs `update`.
    static func forge(_ update: String, _ parameters: [(any PostgresEncodable)?], dropping constraint: String, of table: String, on db: TestDatabase) throws {
        try execute("ALTER TABLE \(table) DROP CONSTRAINT \(constraint)", [], on: db)
        try execute(update, parameters, on: db)
    }

    /// Runs one statement on its own connection; `bypassingTriggers` forges what the database's own triggers
    /// refuse (e.g. rewriting a tranche's recorded approval), as only a superuser beside RRF could.
    static func execute(_ sql: String, _ parameters: [(any PostgresEncodable)?], bypassingTriggers: Bool = false, on db: TestDatabase) throws {
        let connection = try db.connect()
        defer { connection.close() }
        if bypassingTriggers { try connection.execute("SET session_replication_role = replica") }
        try connection.query(sql, parameters)
    }

    /// Expects `machine` to throw `inconsistent_row` naming `what` and the stored `state`.
    static func expectInconsistent<Machine>(
        _ machine: @autoclosure () throws(StoreError) -> Machine, _ what: String, state: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let rebuilt = try machine()
            Issue.record("expected inconsistent_row, rebuilt \(rebuilt)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == "inconsistent_row", sourceLocation: sourceLocation)
            #expect(error.kind == .internal, sourceLocation: sourceLocation)
            #expect(error.message.hasPrefix("\(what) is stored in the state \"\(state)\""), sourceLocation: sourceLocation)
        }
    }
}
