import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Every role against every command and read, signed in as a person of that role: only the allowed succeed,
/// every refusal is in the security log, and what lies outside a person's scope is "not found" in the same
/// words as what does not exist.
@Suite struct AuthorisationMatrixTests {
    /// The people, one per role; `ngo` belongs to NGO-ALPHA, `beta` to NGO-BETA.
    static let roles: [(role: String, login: String)] = [
        ("admin", "admin"), ("secretariat", "sec"), ("fund_manager", "fm"), ("finance_officer", "fin"), ("trainer", "tina"),
        ("reviewer", "rita"), ("ngo_user", "ngo"), ("ngo_user (other organisation)", "beta"),
    ]

    /// One step of the matrix: the logins allowed to do it (the first one does it), and what it does.
    struct Step {
        let name: String
        let allowed: [String]
        /// Whether every allowed person runs it (a read) or only the first (a change, which moves the fund on).
        let read: Bool
        let run: (FundStore) throws -> Void
    }

    @Test func everyRoleAgainstEveryCommand() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let trusted = fund.store
            _ = try trusted.addUser(login: "tina", displayName: "Tina Trainer", roles: [.trainer], as: "admin")
            _ = try trusted.addUser(login: "rita", displayName: "Rita Reviewer", roles: [.reviewer], as: "admin")
            _ = try trusted.assessOrganisation("NGO-BETA", risk: .low, dueDiligenceExpires: fund.today.adding(days: 365), as: "sec")
            _ = try trusted.addUser(login: "beta", displayName: "Bea Beta", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
            var people: [String: FundStore] = [:]
            for (_, login) in Self.roles { people[login] = try fund.person(login).store }

            var reference = ""
            var grant = ""
            var session = ""
            let today = fund.today
            let steps: [Step] = [
                Step(name: "org.register", allowed: ["sec"], read: false) { _ = try $0.registerOrganisation(code: "NGO-GAMMA", name: "Gamma", country: "KE", as: "") },
                Step(name: "org.assess", allowed: ["sec"], read: false) { _ = try $0.assessOrganisation("NGO-GAMMA", risk: .low, dueDiligenceExpires: today.adding(days: 300), as: "") },
                Step(name: "user.add", allowed: ["admin"], read: false) { _ = try $0.addUser(login: "newbie", displayName: "New Person", roles: [.reviewer], as: "") },
                Step(name: "user.edit", allowed: ["admin"], read: false) { _ = try $0.editUser("newbie", UserChanges(displayName: "Newer Person", email: nil, roles: nil), as: "") },
                Step(name: "call.create", allowed: ["sec"], read: false) { _ = try $0.createCall(code: "SA-9", configuration: Fund.configuration(), as: "") },
                Step(name: "call.open", allowed: ["sec"], read: false) { _ = try $0.openCall("SA-9", as: "") },
                Step(name: "fund.deposit", allowed: ["fm", "fin"], read: false) { try $0.deposit(call: "SA-9", cluster: .health, amount: Fund.usd(1_000_000), donor: "ECHO", as: "") },
                Step(name: "tranche_policy.change", allowed: ["fm", "admin"], read: false) { _ = try $0.changeTranchePolicy(Self.stricter, reason: "Tighter", as: "") },
                Step(name: "proposal.submit", allowed: ["ngo"], read: false) { reference = try $0.submitProposal(Fund.submission(), as: "").reference },
                Step(name: "proposal.show (submitted)", allowed: ["sec", "fm", "ngo"], read: true) { _ = try $0.proposal(reference) },
                Step(name: "proposal.screen", allowed: ["sec"], read: false) { _ = try $0.screenProposal(reference, passed: true, as: "") },
                Step(name: "committee.create", allowed: ["sec"], read: false) { _ = try $0.createCommittee(code: "PRC-H", call: "SA-1", cluster: .health, quorum: 1, as: "") },
                Step(name: "committee.add_member", allowed: ["sec"], read: false) { _ = try $0.addCommitteeMember("PRC-H", member: "rita", as: "") },
                Step(name: "review.assign", allowed: ["sec"], read: false) { _ = try $0.assignReviewer(reference, reviewer: "rita", as: "") },
                Step(name: "proposal.show (in review)", allowed: ["sec", "fm", "ngo", "rita"], read: true) { _ = try $0.proposal(reference) },
                Step(name: "review.submit", allowed: ["rita"], read: false) {
                    _ = try $0.submitReview(reference, ReviewScoresInput(scores: ["relevance": 4, "feasibility": 4, "value_for_money": 4, "capacity": 4], comments: nil), as: "")
                },
                Step(name: "review.show", allowed: ["sec", "fm", "rita"], read: true) { _ = try $0.proposalReviews(reference) },
                Step(name: "call.ranking", allowed: ["sec", "fm"], read: true) { _ = try $0.callRanking("SA-1") },
                Step(name: "proposal.decide", allowed: ["fm"], read: false) {
                    try fund.markScored(reference)
                    _ = try $0.decideProposal(reference, .approve(amount: Fund.usd(1_250_050), justification: "Sound."), as: "")
                },
                Step(name: "grant.sign", allowed: ["fm"], read: false) { grant = try $0.signGrant(reference, signatory: "Director", as: "").reference },
                Step(name: "grant.show", allowed: ["sec", "fm", "fin", "ngo"], read: true) { _ = try $0.grant(grant) },
                Step(name: "tranche.list", allowed: ["sec", "fm", "fin", "ngo"], read: true) { _ = try $0.tranches(grant) },
                Step(name: "report.list", allowed: ["sec", "fm", "fin", "ngo"], read: true) { _ = try $0.reports(grant) },
                Step(name: "tranche.evaluate", allowed: ["sec", "fm"], read: false) { _ = try $0.evaluateTranches(grant, trainingShortfalls: [], as: "") },
                Step(name: "tranche.approve", allowed: ["fm"], read: false) { _ = try $0.approveTranche(grant, sequence: 1, as: "") },
                Step(name: "tranche.release", allowed: ["fin"], read: false) {
                    _ = try $0.releaseTranche(grant, sequence: 1, amount: try trusted.tranches(grant)[0].amount, idempotencyKey: "m-1", as: "")
                },
                Step(name: "grant.suspend", allowed: ["fm"], read: false) { _ = try $0.suspendGrant(grant, reason: "Audit finding", as: "") },
                Step(name: "ledger.balance", allowed: ["sec", "fm", "fin"], read: true) { _ = try $0.ledgerBalances() },
                Step(name: "report.kpis", allowed: ["sec", "fm", "fin"], read: true) { _ = try $0.kpis() },
                Step(name: "training.course_add", allowed: ["sec"], read: false) { _ = try $0.addTrainingCourse(code: "PSEA", title: "PSEA", validityMonths: 12, as: "") },
                Step(name: "training.session_schedule", allowed: ["sec", "tina"], read: false) {
                    session = try $0.scheduleTrainingSession(course: "PSEA", startDate: today, endDate: today, place: "Nairobi", trainer: "tina", capacity: 10, as: "").reference
                },
                Step(name: "training.attend", allowed: ["tina", "sec"], read: false) {
                    _ = try $0.recordAttendance(session: session, ParticipantInput(name: "Amina", organisation: "NGO-ALPHA", role: "Finance", gender: "female", passed: true), as: "")
                },
                Step(name: "training.attendance", allowed: ["sec", "fm", "tina"], read: true) { _ = try $0.trainingAttendance(session: session) },
                Step(name: "training.report_org", allowed: ["sec", "fm", "tina", "ngo"], read: true) { _ = try $0.organisationTrainingReport("NGO-ALPHA") },
                Step(name: "user.list", allowed: ["admin", "sec", "fm"], read: true) { _ = try $0.users() },
                Step(name: "user.invite", allowed: ["admin"], read: false) { _ = try $0.inviteUser("sec", baseURL: "https://rrf.example", as: "") },
                Step(name: "audit.refusals", allowed: ["admin"], read: true) { _ = try $0.securityEvents() },
                Step(name: "user.deactivate", allowed: ["admin"], read: false) { _ = try $0.deactivateUser("newbie", as: "") },
            ]
            for step in steps {
                for (role, login) in Self.roles where !step.allowed.contains(login) {
                    let before = try fund.count("SELECT count(*)::int FROM security_events")
                    let error = refusal { try step.run(people[login]!) }
                    #expect(
                        [.forbidden, .notFound].contains(error?.kind), "\(role) was not refused \(step.name) for want of authority: \(String(describing: error))"
                    )
                    #expect(try fund.count("SELECT count(*)::int FROM security_events") == before + 1, "\(role)'s refused \(step.name) is not in the security log")
                }
                for login in step.read ? step.allowed : Array(step.allowed.prefix(1)) {
                    #expect(throws: Never.self, "\(login) may \(step.name)") { try step.run(people[login]!) }
                }
            }
        }
    }

    /// An NGO user guessing another organisation's references learns nothing: the answer is the one for a
    /// reference that does not exist.
    @Test func anotherOrganisationsReferencesAreNotFound() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            _ = try fund.store.assessOrganisation("NGO-BETA", risk: .low, dueDiligenceExpires: fund.today.adding(days: 365), as: "sec")
            _ = try fund.store.addUser(login: "beta", displayName: "Bea Beta", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
            let grant = try fund.grantWithReleasedFirstTranche()
            let beta = try fund.person("beta").store
            let proposal = try fund.store.proposals()[0].reference
            let missingProposal = refusal { _ = try beta.proposal("RRF-2026-9999") }
            let hiddenProposal = refusal { _ = try beta.proposal(proposal) }
            #expect(hiddenProposal?.kind == .notFound)
            #expect(hiddenProposal?.message == missingProposal?.message.replacingOccurrences(of: "RRF-2026-9999", with: proposal))
            let missingGrant = refusal { _ = try beta.grant("RRF-2026-9999") }
            let hiddenGrant = refusal { _ = try beta.grant(grant.reference) }
            #expect(hiddenGrant?.kind == .notFound)
            #expect(hiddenGrant?.message == missingGrant?.message.replacingOccurrences(of: "RRF-2026-9999", with: grant.reference))
            #expect(refusal { _ = try beta.tranches(grant.reference) }?.kind == .notFound)
            #expect(refusal { _ = try beta.submitReport(grant.reference, sequence: 1, narrative: "x", spending: [], as: "") }?.kind == .notFound)
            #expect(try beta.proposals().isEmpty)
            #expect(try beta.grants().isEmpty)
            #expect(try beta.organisations().map(\.code) == ["NGO-BETA"])
        }
    }

    /// The database's own defence: the application role sees only an NGO user's organisation even when a query
    /// forgets to say so, and cannot rewrite the audit log, the ledger or the security log.
    @Test func postgresqlConfinesTheApplicationRole() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            _ = try fund.grantWithReleasedFirstTranche()
            let connection = try db.connect()
            defer { connection.close() }
            let beta = try connection.query("SELECT id FROM organisations WHERE code = 'NGO-BETA'").single().decode("id", as: UUID.self)
            func asApplication<T>(scope: String, _ body: () throws -> T) throws -> T {
                try connection.withTransaction { connection in
                    try connection.query("SELECT set_config('role', 'rrf_app', true), set_config('rrf.scope', $1, true)", [scope])
                    return try body()
                }
            }
            let scope = "organisation:\(beta.uuidString.lowercased())"
            for table in ["proposals", "grants", "tranches", "grant_reports"] {
                #expect(try asApplication(scope: scope) { try connection.query("SELECT count(*)::int AS n FROM \(table)").single().decode("n", as: Int.self) } == 0, "\(table)")
                #expect(try asApplication(scope: "fund") { try connection.query("SELECT count(*)::int AS n FROM \(table)").single().decode("n", as: Int.self) } > 0, "\(table)")
            }
            // Without a scope nothing is visible.
            #expect(try asApplication(scope: "") { try connection.query("SELECT count(*)::int AS n FROM grants").single().decode("n", as: Int.self) } == 0)
            for statement in [
                "UPDATE audit_events SET actor = 'someone else'", "DELETE FROM ledger_entries", "UPDATE ledger_transactions SET memo = 'x'",
                "DELETE FROM security_events",
            ] {
                #expect(throws: PostgresError.self, "\(statement)") { try asApplication(scope: "fund") { try connection.query(statement) } }
            }
        }
    }

    /// A tranche policy other than the standard one.
    static let stricter = try! TranchePolicy(percentages: TranchePolicy.standard.percentages, spendThresholdPercent: 80)
}
