import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct SubmissionTests {
    @Test func anEligibleOrganisationSubmitsAndGetsAYearlyReference() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let first = try fund.store.submitProposal(Fund.submission(), as: "ngo")
            let second = try fund.store.submitProposal(Fund.submission(requested: "100 USD", cluster: "wash"), as: "ngo")
            let year = fund.today.year
            #expect(first.reference == "RRF-\(year)-0001")
            #expect(second.reference == "RRF-\(year)-0002")
            #expect(first.state == "submitted")
            #expect(first.round == 1)
            #expect(first.requested == Money(minorUnits: 1_250_050, currency: Fund.usd))
            #expect(first.submittedBy == "ngo")
            #expect(first.locations == ["Garissa", "Dadaab"])
            #expect(try fund.store.proposal(first.reference.lowercased()) == first)
            let events = try fund.store.proposalHistory(first.reference)
            #expect(events.map(\.type) == ["proposal.submitted"])
            // A standard call has no SLA watch; the secretariat is notified.
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1", [JobKinds.proposalDecisionSLAWatch]) == 0)
            #expect(try fund.count("SELECT count(*) FROM notifications WHERE recipient = $1 AND subject LIKE '%proposal.submitted%'", ["sec@fund.example"]) == 2)
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1", ["notify"]) == fund.count("SELECT count(*) FROM notifications"))
        }
    }

    @Test func aReserveCallSchedulesTheDecisionSLAWatch() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db, kind: .reserve)
            let record = try fund.store.submitProposal(Fund.submission(), as: "ngo")
            let connection = try db.connect()
            let job = try connection.query("SELECT run_at, payload->>'reference' AS reference FROM jobs WHERE kind = $1", [JobKinds.proposalDecisionSLAWatch]).single()
            #expect(try job.decode("reference", as: String.self) == record.reference)
            let runAt: Date = try job.decode("run_at")
            #expect(abs(runAt.timeIntervalSince(record.decisionDue)) < 0.001)
            #expect(record.decisionDue > record.submittedAt.addingTimeInterval(72 * 3600))
        }
    }

    @Test func submissionRules() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            func code(_ submission: ProposalSubmission, as login: String = "ngo") -> String? {
                refusal { _ = try store.submitProposal(submission, as: login) }?.code
            }
            // Only an ngo_user of the organisation.
            #expect(code(Fund.submission(), as: "sec") == "role_required")
            #expect(code(Fund.submission(), as: "ghost") == "unknown_actor")
            _ = try store.addUser(login: "ngo-beta", displayName: "Bea", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
            #expect(code(Fund.submission(), as: "ngo-beta") == "actor_not_in_organisation")
            // An organisation that is not assessed.
            #expect(code(Fund.submission(organisation: "NGO-BETA"), as: "ngo-beta") == "organisation_not_assessed")
            // The call's currency, ceiling, cluster, fields.
            #expect(code(Fund.submission(requested: "100 EUR")) == "currency_differs_from_call")
            #expect(code(Fund.submission(requested: "50000.01 USD")) == "amount_above_ceiling")
            #expect(code(Fund.submission(cluster: "education")) == "cluster_not_funded")
            #expect(code(Fund.submission(cluster: "underwater_basket_weaving")) == "cluster_unknown")
            #expect(code(Fund.submission(title: "  ")) == "required_field_missing")
            #expect(code(Fund.submission(title: String(repeating: "t", count: 10_000_000))) == "title_too_long")
            #expect(code(Fund.submission(requested: "-5 USD")) == "amount_negative")
            #expect(code(Fund.submission(requested: "12x USD")) == "amount_not_a_number")
            #expect(code(Fund.submission(requested: "100 XYZ")) == "currency_unknown")
            #expect(code(Fund.submission(requested: "0 USD")) == "requested_amount_not_positive")
            #expect(code(Fund.submission(call: "NOPE")) == "not_found")
            var mismatch = Fund.submission()
            mismatch.budgetLines = [ProposalSubmission.Line(description: "Half", amount: "6000 USD")]
            #expect(code(mismatch) == "budget_total_mismatch")
            var long = Fund.submission()
            long.durationMonths = 25
            #expect(code(long) == "duration_out_of_range")
            // Suspended, ineligible, expired.
            _ = try store.suspendOrganisation("NGO-ALPHA", reason: "Audit", as: "sec")
            #expect(code(Fund.submission()) == "organisation_suspended")
            _ = try store.reinstateOrganisation("NGO-ALPHA", as: "sec")
            // Nothing was written by any refusal.
            #expect(try fund.count("SELECT count(*) FROM proposals") == 0)
            #expect(try fund.count("SELECT count(*) FROM audit_events WHERE stream LIKE 'proposal:%'") == 0)
            #expect(try fund.count("SELECT count(*) FROM proposal_reference_counters") == 0)
            // A closed call.
            _ = try store.closeCall("SA-1", as: "sec")
            #expect(code(Fund.submission()) == "call_not_open")
        }
    }

    @Test func expiredDueDiligenceAndPassedDeadlinesAreRefused() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            // The same fund, 40 days later: the call's deadline (30 days) has passed.
            let later = FundStore(pool: db.pool(), clock: { Date().addingTimeInterval(40 * 86_400) })
            #expect(refusal { _ = try later.submitProposal(Fund.submission(), as: "ngo") }?.code == "submission_deadline_passed")
            // 400 days later the due diligence (365 days) has expired.
            let much = FundStore(pool: db.pool(), clock: { Date().addingTimeInterval(400 * 86_400) })
            #expect(refusal { _ = try much.submitProposal(Fund.submission(), as: "ngo") }?.code == "due_diligence_expired")
            _ = fund
        }
    }

    @Test func sqlMetacharactersAreStoredVerbatim() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let title = "Robert'); DROP TABLE proposals; -- \"quoted\" \\ back $1 %s"
            let record = try fund.store.submitProposal(Fund.submission(title: title), as: "ngo")
            #expect(try fund.store.proposal(record.reference).title == title)
            #expect(try AuditLog.verify(on: db.connect()).isEmpty)
            #expect(refusal { _ = try fund.store.submitProposal(Fund.submission(title: "cut\u{0}here"), as: "ngo") }?.code == "title_invalid")
        }
    }

    @Test func theSchemaKeepsProposalsInTheCallsCurrencyAndFundedClusters() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let record = try fund.store.submitProposal(Fund.submission(), as: "ngo")
            let connection = try db.connect()
            for (sql, constraint) in [
                ("UPDATE proposals SET currency = 'EUR' WHERE id = $1", "proposals_currency_of_call"),
                ("UPDATE proposals SET cluster = 'education' WHERE id = $1", "proposals_cluster_funded"),
                ("UPDATE proposals SET state = 'approved' WHERE id = $1", "proposals_decision_recorded"),
                ("UPDATE proposals SET state = 'ineligible' WHERE id = $1", "proposals_screening_reason_present"),
                ("UPDATE proposals SET approved_minor = requested_minor + 1, decision = 'approve' WHERE id = $1", "proposals_approved_within_request"),
                ("UPDATE proposals SET state = 'lost' WHERE id = $1", "proposals_state_known"),
            ] {
                do {
                    try connection.query(sql, [record.id])
                    Issue.record("\(sql) was accepted")
                } catch let error as PostgresError {
                    #expect(error.constraint == constraint, "\(sql): \(error)")
                }
            }
        }
    }
}

@Suite struct ScreeningAndDecisionTests {
    @Test func screeningNeedsTheSecretariatAndAReasonToFail() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let record = try store.submitProposal(Fund.submission(), as: "ngo")
            #expect(refusal { _ = try store.screenProposal(record.reference, passed: true, as: "fm") }?.code == "role_required")
            #expect(refusal { _ = try store.screenProposal(record.reference, passed: false, reason: " ", as: "sec") }?.code == "reason_required")
            let failed = try store.screenProposal(record.reference, passed: false, reason: "Outside the target area", as: "sec")
            #expect(failed.state == "ineligible")
            #expect(failed.screeningReason == "Outside the target area")
            let other = try store.submitProposal(Fund.submission(cluster: "wash"), as: "ngo")
            let passed = try store.screenProposal(other.reference, passed: true, as: "sec")
            #expect(passed.state == "in_review")
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1", [JobKinds.proposalAssignReviewers]) == 1)
            #expect(refusal { _ = try store.screenProposal(other.reference, passed: true, as: "sec") }?.code == "invalid_transition")
        }
    }

    @Test func approvalCommitsTheEnvelopeAndRecordsWhoAndWhen() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let proposal = try fund.scoredProposal()
            let approved = try store.decideProposal(
                proposal.reference, .approve(amount: Money(minorUnits: 1_000_000, currency: Fund.usd), justification: "Strong and urgent."),
                expectedVersion: proposal.version, as: "fm"
            )
            #expect(approved.state == "approved")
            #expect(approved.approved == Money(minorUnits: 1_000_000, currency: Fund.usd))
            #expect(approved.decidedBy == "fm")
            #expect(approved.decidedByName == "Fatima Manager")
            #expect(approved.decidedAt != nil)
            #expect(approved.justification == "Strong and urgent.")
            let call = try store.call("SA-1")
            #expect(call.envelopes.first { $0.cluster == .health }?.committed.minorUnits == 1_000_000)
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1", [JobKinds.proposalCreateGrant]) == 1)
            #expect(try store.proposalHistory(proposal.reference).map(\.type) == ["proposal.submitted", "proposal.approved"])
        }
    }

    @Test func decisionRules() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let proposal = try fund.scoredProposal(requested: "12500.50 USD")
            func code(_ decision: ProposalDecisionInput, as login: String = "fm") -> String? {
                refusal { _ = try store.decideProposal(proposal.reference, decision, as: login) }?.code
            }
            let usd = { (minor: Int64) in Money(minorUnits: minor, currency: Fund.usd) }
            #expect(code(.approve(amount: usd(100), justification: "ok"), as: "sec") == "role_required")
            #expect(code(.approve(amount: usd(100), justification: "ok"), as: "fm-alpha") == "conflict_of_interest")
            #expect(code(.approve(amount: usd(100), justification: "  ")) == "justification_required")
            #expect(code(.approve(amount: usd(0), justification: "ok")) == "amount_not_positive")
            #expect(code(.approve(amount: usd(1_250_051), justification: "ok")) == "amount_exceeds_request")
            #expect(code(.approve(amount: Money(minorUnits: 100, currency: try Currency(code: "EUR")), justification: "ok")) == "currency_mismatch")
            #expect(code(.reject(justification: "")) == "justification_required")
            #expect(code(.requestRevision(reason: "")) == "justification_required")
            // Nothing changed.
            let unchanged = try store.proposal(proposal.reference)
            #expect(unchanged == proposal)
            #expect(try store.call("SA-1").envelopes.allSatisfy { $0.committed.minorUnits == 0 })
            let rejected = try store.decideProposal(proposal.reference, .reject(justification: "Weak targeting."), as: "fm")
            #expect(rejected.state == "rejected")
            #expect(rejected.approved == nil)
            #expect(refusal { _ = try store.withdrawProposal(proposal.reference, reason: "late", as: "ngo") }?.code == "invalid_transition")
        }
    }

    @Test func approvalsNeverExceedTheEnvelope() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            // The WASH envelope is 50,000.00 USD; the ceiling per proposal is 50,000.00 USD.
            var references: [String] = []
            for _ in 0..<2 {
                let record = try store.submitProposal(Fund.submission(requested: "30000 USD", cluster: "wash"), as: "ngo")
                try fund.markScored(record.reference)
                references.append(record.reference)
            }
            let thirty = Money(minorUnits: 3_000_000, currency: Fund.usd)
            _ = try store.decideProposal(references[0], .approve(amount: thirty, justification: "Good."), as: "fm")
            let over = refusal { _ = try store.decideProposal(references[1], .approve(amount: thirty, justification: "Good."), as: "fm") }
            #expect(over?.code == "amount_exceeds_envelope")
            #expect(over?.message.contains("20,000.00 USD") == true)
            let rest = try store.decideProposal(references[1], .approve(amount: Money(minorUnits: 2_000_000, currency: Fund.usd), justification: "Partial."), as: "fm")
            #expect(rest.approved?.minorUnits == 2_000_000)
            let wash = try store.call("SA-1").envelopes.first { $0.cluster == .wash }
            #expect(wash?.uncommitted.minorUnits == 0)
            // The check constraint is the last line of defence.
            let connection = try db.connect()
            #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE call_envelopes SET committed_minor = committed_minor + 1 WHERE cluster = 'wash'")
            }
        }
    }

    @Test func revisionWithdrawalAndResubmission() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let proposal = try fund.scoredProposal()
            let revise = try store.decideProposal(proposal.reference, .requestRevision(reason: "Add a protection budget line."), as: "fm")
            #expect(revise.state == "revision_requested")
            #expect(revise.decision == "request_revision")
            #expect(refusal { _ = try store.resubmitProposal(proposal.reference, as: "sec") }?.code == "role_required")
            var revised = Fund.submission(requested: "13000 USD")
            revised.budgetLines = [
                ProposalSubmission.Line(description: "Water", amount: "12000 USD"),
                ProposalSubmission.Line(description: "Protection", amount: "1000 USD"),
            ]
            // The call may have closed meanwhile: a revision is still accepted.
            _ = try store.closeCall("SA-1", as: "sec")
            let resubmitted = try store.resubmitProposal(proposal.reference, revised: revised, expectedVersion: revise.version, as: "ngo")
            #expect(resubmitted.state == "resubmitted")
            #expect(resubmitted.round == 2)
            #expect(resubmitted.requested.minorUnits == 1_300_000)
            #expect(resubmitted.decision == nil)
            #expect(resubmitted.budgetLines.count == 2)
            #expect(refusal { _ = try store.withdrawProposal(proposal.reference, reason: "x", as: "fm") }?.code == "role_required")
            let withdrawn = try store.withdrawProposal(proposal.reference, reason: "Funded by another donor.", as: "ngo")
            #expect(withdrawn.state == "withdrawn")
            #expect(withdrawn.withdrawalReason == "Funded by another donor.")
            #expect(try store.proposalHistory(proposal.reference).map(\.type) == [
                "proposal.submitted", "proposal.revision_requested", "proposal.resubmitted", "proposal.withdrawn",
            ])
        }
    }

    @Test func listingFiltersAndPages() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            for cluster in ["health", "wash", "health"] {
                _ = try store.submitProposal(Fund.submission(requested: "1000 USD", cluster: cluster), as: "ngo")
            }
            #expect(try store.proposals().count == 3)
            #expect(try store.proposals(ProposalFilter(cluster: .health)).count == 2)
            #expect(try store.proposals(ProposalFilter(call: "sa-1", organisation: "NGO-ALPHA")).count == 3)
            #expect(try store.proposals(ProposalFilter(state: "approved")).isEmpty)
            let all = try store.proposals().map(\.reference)
            let first = try store.proposals(ProposalFilter(limit: 2))
            #expect(first.map(\.reference) == Array(all.prefix(2)) && first.total == 3)
            let next: PageCursor = try #require(first.next)
            let rest = try store.proposals(ProposalFilter(limit: 2, after: next))
            #expect(rest.map(\.reference) == Array(all.dropFirst(2)) && rest.next == nil && rest.total == 3)
            #expect(refusal { _ = try store.proposals(ProposalFilter(after: PageCursor(values: ["a", "b"]))) }?.code == "cursor_invalid")
            #expect(refusal { _ = try store.proposals(ProposalFilter(limit: 0)) }?.code == "limit_invalid")
            #expect(refusal { _ = try store.proposal("RRF-26-1") }?.code == "reference_invalid")
        }
    }
}

/// A list longer than the store counts (1,000) gets the planner's estimate, flagged, and a fair one despite
/// row-level security, whose conditions the planner cannot read.
@Suite struct LongListTests {
    @Test func aLongListsTotalIsAFairFlaggedEstimate() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let first = try fund.store.submitProposal(Fund.submission(requested: "1000 USD", cluster: "health"), as: "ngo")
            let connection = try db.connect()
            defer { connection.close() }
            try connection.query(
                """
                INSERT INTO proposals (id, reference, organisation_id, call_id, cluster, title, summary, locations, beneficiaries, requested_minor,
                                       currency, duration_months, budget_lines, state, round, submitted_by, submitted_at, decision_due)
                SELECT gen_random_uuid(), left(p.reference, 9) || lpad((i + 1)::text, 4, '0'), p.organisation_id, p.call_id, p.cluster,
                       'Proposal ' || i, p.summary, p.locations, p.beneficiaries, p.requested_minor, p.currency, p.duration_months,
                       p.budget_lines, p.state, 1, p.submitted_by, p.submitted_at + make_interval(secs => i), p.decision_due
                FROM generate_series(1, 2999) AS i, (SELECT * FROM proposals WHERE reference = $1) AS p
                """,
                [first.reference]
            )
            try connection.execute("ANALYZE proposals")
            let page = try fund.store.proposals(ProposalFilter(limit: 10))
            #expect(page.totalIsEstimate && page.total > 2000 && page.total < 4500, "about \(page.total) of 3,000")
            let next: PageCursor = try #require(page.next)
            let deeper = try fund.store.proposals(ProposalFilter(limit: 10, after: next))
            #expect(deeper.first?.reference == left(first.reference) + "0011" && deeper.totalIsEstimate)
            let few = try fund.store.proposals(ProposalFilter(state: "approved"))
            #expect(few.isEmpty && few.total == 0 && !few.totalIsEstimate)
        }
    }

    private func left(_ reference: String) -> String { String(reference.prefix(9)) }
}

@Suite struct ConcurrencyTests {
    /// Two fund managers decide the same proposal at once from the same loaded version: exactly one wins.
    @Test func twoConflictingDecisionsOnOneProposal() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            _ = try fund.store.addUser(login: "fm2", displayName: "Second Manager", roles: [.fundManager], as: "admin")
            let proposal = try fund.scoredProposal()
            let results = Results()
            let group = DispatchGroup()
            for (login, decision) in [("fm", ProposalDecisionInput.reject(justification: "No.")),
                                      ("fm2", .approve(amount: Money(minorUnits: 100_000, currency: Fund.usd), justification: "Yes."))] {
                group.enter()
                Thread.detachNewThread {
                    // Each thread has its own store, pool and connection.
                    let store = FundStore(pool: db.pool(maximumConnections: 1))
                    do {
                        _ = try store.decideProposal(proposal.reference, decision, expectedVersion: proposal.version, as: login)
                        results.add(nil)
                    } catch let error as StoreError {
                        results.add(error.kind)
                    } catch {
                        results.add(.internal)
                    }
                    group.leave()
                }
            }
            group.wait()
            let outcomes = results.all
            #expect(outcomes.count == 2)
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.filter { $0 == .conflict }.count == 1)
            let final = try fund.store.proposal(proposal.reference)
            #expect(final.version == proposal.version + 1)
            let committed = try fund.store.call("SA-1").envelopes.first { $0.cluster == .health }?.committed.minorUnits
            #expect(committed == (final.state == "approved" ? 100_000 : 0))
            #expect(try fund.store.proposalHistory(proposal.reference).count == 2)
        }
    }
}

extension ConcurrencyTests {
    /// Two approvals of different proposals race for the last money of one envelope: the envelope row lock
    /// serialises them and the second sees the reduced balance.
    @Test func twoApprovalsRacingForOneEnvelope() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            _ = try fund.store.addUser(login: "fm2", displayName: "Second Manager", roles: [.fundManager], as: "admin")
            var references: [String] = []
            for _ in 0..<2 {
                let record = try fund.store.submitProposal(Fund.submission(requested: "30000 USD", cluster: "wash"), as: "ngo")
                try fund.markScored(record.reference)
                references.append(record.reference)
            }
            let results = Results()
            let group = DispatchGroup()
            for (login, reference) in zip(["fm", "fm2"], references) {
                group.enter()
                Thread.detachNewThread {
                    let store = FundStore(pool: db.pool(maximumConnections: 1))
                    do {
                        _ = try store.decideProposal(reference, .approve(amount: Money(minorUnits: 3_000_000, currency: Fund.usd), justification: "Go."), as: login)
                        results.add(nil)
                    } catch let error as StoreError {
                        results.add(error.code == "amount_exceeds_envelope" ? .rejected : .internal)
                    } catch {
                        results.add(.internal)
                    }
                    group.leave()
                }
            }
            group.wait()
            #expect(results.all.filter { $0 == nil }.count == 1)
            #expect(results.all.filter { $0 == .rejected }.count == 1)
            #expect(try fund.store.call("SA-1").envelopes.first { $0.cluster == .wash }?.committed.minorUnits == 3_000_000)
        }
    }
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [StoreError.Kind?] = []
    func add(_ value: StoreError.Kind?) { lock.withLock { values.append(value) } }
    var all: [StoreError.Kind?] { lock.withLock { values } }
}
