import Foundation
import Postgres
@testable import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// The grant, tranche and report machines: every state written with the columns the commands write (the
/// tranche's `approval`/`release` and the report's `submission` as JSON) reads back as the same state; a row that
/// matches no state is refused with `inconsistent_row`.
extension MachineRoundTripTests {
    @Test func everyGrantStateRoundTrips() throws {
        try withTestDatabase { db in
            let (fund, grant) = try Self.signedGrant(db)
            let signed = try #require(grant.signedOn)
            let terms = grant.terms
            let states: [GrantMachine.State] = [
                .agreementPending(terms), .active(terms, signedOn: signed), .suspended(terms, signedOn: signed, reason: "Audit pending"),
                .closing(terms, signedOn: signed), .closed(terms, refund: Fund.usd(12_345)), .terminated(terms, reason: "Fraud"),
            ]
            #expect(states.map(\.name.rawValue) == GrantMachine.stateNames)
            for state in states {
                // A closed grant keeps its signature; the machine's closed and terminated states do not carry it.
                let (signedOn, reason, refund): (LocalDate?, String?, Money?) = switch state {
                case .agreementPending: (nil, nil, nil)
                case .active(_, let signedOn), .closing(_, let signedOn): (signedOn, nil, nil)
                case .suspended(_, let signedOn, let reason): (signedOn, reason, nil)
                case .closed(_, let refund): (signed, nil, refund)
                case .terminated(_, let reason): (nil, reason, nil)
                }
                try Self.execute(
                    """
                    UPDATE grants g SET state = $2, signed_on = $3::date, signatory = CASE WHEN $3::date IS NULL THEN NULL ELSE $4 END,
                        signed_by = CASE WHEN $3::date IS NULL THEN NULL ELSE $5::uuid END,
                        policy_version = CASE WHEN $3::date IS NULL THEN NULL ELSE $6::int END, reason = $7, refund_minor = $8
                    WHERE id = $1
                    """,
                    [
                        grant.id, state.name, signedOn?.description, grant.signatory, try fund.store.user("fm").id, grant.policyVersion,
                        reason, refund?.minorUnits,
                    ],
                    on: db
                )
                #expect(try fund.store.grant(grant.reference).machine.state == state, "\(state.name)")
            }
        }
    }

    @Test func everyTrancheStateRoundTrips() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            let paid = try fund.store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "PO-1", as: "fin")
            let released = try Self.firstTranche(of: grant, fund)
            let approval = try #require(released.approval)
            let release = try #require(released.release)
            let (sequence, amount) = (released.sequence, released.amount)
            let states: [TrancheMachine.State] = [
                .planned(sequence: sequence, amount: amount), .ready(sequence: sequence, amount: amount),
                .approved(sequence: sequence, amount: amount, approval: approval),
                .released(sequence: sequence, amount: amount, approval: approval, release: release),
                .cancelled(sequence: sequence, amount: amount, reason: "Grant terminated"),
            ]
            #expect(states.map(\.name.rawValue) == TrancheMachine.stateNames)
            for state in states {
                let (approved, paidOut, reason): (TrancheMachine.Signature?, TrancheMachine.Release?, String?) = switch state {
                case .planned, .ready: (nil, nil, nil)
                case .approved(_, _, let approval): (approval, nil, nil)
                case .released(_, _, let approval, let release): (approval, release, nil)
                case .cancelled(_, _, let reason): (nil, nil, reason)
                }
                try Self.execute(
                    """
                    UPDATE tranches SET state = $2, approved_by = $3, approved_by_name = $4, approved_at = $5, approval = $6::jsonb,
                        released_by = $7, released_by_name = $8, released_at = $9, idempotency_key = $10, release = $11::jsonb,
                        ledger_transaction_id = $12, cancel_reason = $13
                    WHERE id = $1
                    """,
                    [
                        released.id, state.name, approved?.userID.uuid, approved?.name, approved?.at, approved.map(JSONValue.init),
                        paidOut?.signature.userID.uuid, paidOut?.signature.name, paidOut?.signature.at, paidOut?.idempotencyKey,
                        paidOut.map(JSONValue.init), paidOut.map { _ in paid.ledgerTransactionID }, reason,
                    ],
                    bypassingTriggers: true, on: db
                )
                #expect(try Self.firstTranche(of: grant, fund).machine.state == state, "\(state.name)")
            }
        }
    }

    @Test func everyReportStateRoundTrips() throws {
        try withTestDatabase { db in
            let (fund, grant) = try Self.signedGrant(db)
            let report = try Self.firstReport(of: grant, fund)
            let submission = ReportSubmission(
                narrative: "Wells dug.", spent: Fund.usd(400_000), submittedBy: UserID(try fund.store.user("ngo").id), submittedAt: Self.instant
            )
            let spec = report.spec
            let states: [ReportMachine.State] = [
                .scheduled(spec), .due(spec), .submitted(spec, submission), .accepted(spec, submission),
                .returned(spec, submission, reason: "Receipts missing"), .waived(spec, reason: "Grant terminated"),
            ]
            #expect(states.map(\.name.rawValue) == ReportMachine.stateNames)
            for state in states {
                let (submitted, comment): (ReportSubmission?, String?) = switch state {
                case .scheduled, .due: (nil, nil)
                case .submitted(_, let submission), .accepted(_, let submission): (submission, nil)
                case .returned(_, let submission, let reason): (submission, reason)
                case .waived(_, let reason): (nil, reason)
                }
                try Self.execute(
                    """
                    UPDATE grant_reports SET state = $2, narrative = $3, spent_minor = $4, submission = $5::jsonb, submitted_by = $6,
                        submitted_at = $7, comment = $8
                    WHERE id = $1
                    """,
                    [
                        report.id, state.name, submitted?.narrative, submitted?.spent.minorUnits, submitted.map(JSONValue.init),
                        submitted?.submittedBy.uuid, submitted?.submittedAt, comment,
                    ],
                    on: db
                )
                #expect(try Self.firstReport(of: grant, fund).machine.state == state, "\(state.name)")
            }
        }
    }

    // MARK: Rows that match no state

    @Test func aClosedGrantWithoutItsRefundIsRefused() throws {
        try withTestDatabase { db in
            let (fund, grant) = try Self.signedGrant(db)
            try Self.forge("UPDATE grants SET state = 'closed', refund_minor = NULL WHERE id = $1", [grant.id], dropping: "grants_refund_iff_closed", of: "grants", on: db)
            let loaded = try fund.store.grant(grant.reference)
            Self.expectInconsistent(try loaded.machine, "The grant \(grant.reference)", state: "closed")
            let error = refusal { _ = try fund.store.suspendGrant(grant.reference, reason: "Audit", as: "fm") }
            #expect(error?.code == "inconsistent_row")
        }
    }

    @Test func aGrantInAnUnknownStateIsRefusedWhenRead() throws {
        try withTestDatabase { db in
            let (fund, grant) = try Self.signedGrant(db)
            try Self.forge("UPDATE grants SET state = 'paused' WHERE id = $1", [grant.id], dropping: "grants_state_known", of: "grants", on: db)
            let error = refusal { _ = try fund.store.grant(grant.reference) }
            #expect(error?.code == "inconsistent_row")
            #expect(error?.message.hasPrefix("The grant \(grant.reference) is stored in the state \"paused\"") == true)
        }
    }

    @Test func aReleasedTrancheWithoutItsReleaseRecordIsRefused() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            _ = try fund.store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "PO-1", as: "fin")
            // No constraint covers the JSON record: a release column set beside RRF can leave it out.
            try Self.execute("UPDATE tranches SET release = NULL WHERE grant_id = $1 AND sequence = 1", [grant.id], bypassingTriggers: true, on: db)
            let tranche = try Self.firstTranche(of: grant, fund)
            Self.expectInconsistent(try tranche.machine, "Tranche 1 of \(grant.reference)", state: "released")
        }
    }

    @Test func aWaivedReportWithoutAReasonIsRefused() throws {
        try withTestDatabase { db in
            let (fund, grant) = try Self.signedGrant(db)
            try Self.forge(
                "UPDATE grant_reports SET state = 'waived', comment = NULL WHERE grant_id = $1 AND sequence = 1", [grant.id],
                dropping: "grant_reports_waiver_reason", of: "grant_reports", on: db
            )
            // Reading the reports of a running grant rebuilds each machine (for the overdue flag), so the read fails.
            let error = refusal { _ = try fund.store.reports(grant.reference) }
            #expect(error?.code == "inconsistent_row")
            #expect(error?.message.hasPrefix("Report 1 of \(grant.reference) is stored in the state \"waived\"") == true)
        }
    }

    // MARK: Helpers

    /// The standard fund with a finance officer and a signed grant of an approved proposal.
    static func signedGrant(_ db: TestDatabase) throws -> (Fund, GrantRecord) {
        let fund = try Fund.withFinance(db)
        let proposal = try fund.approvedProposal()
        return (fund, try fund.store.signGrant(proposal.reference, signatory: "Amina Yusuf, Director", as: "fm"))
    }

    /// The grant's first tranche as read now.
    static func firstTranche(of grant: GrantRecord, _ fund: Fund) throws -> TrancheRecord {
        try #require(try fund.store.tranches(grant.reference).first { $0.sequence == 1 })
    }

    /// The grant's first report as read now.
    static func firstReport(of grant: GrantRecord, _ fund: Fund) throws -> ReportRecord {
        try #require(try fund.store.reports(grant.reference).first { $0.sequence == 1 })
    }
}
