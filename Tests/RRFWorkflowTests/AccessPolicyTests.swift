import Foundation
import RRFWorkflow
import Testing

/// The access policy, role by role and record by record, without a database.
@Suite struct AccessPolicyTests {
    typealias Record = AccessPolicy.Record
    static let own = Fixture.organisationID
    static let other = OrganisationID(UUID())
    static let admin = actor("Ada Admin", [.admin])
    static let reviewer = actor("Rita Reviewer", [.reviewer])
    static let trainer = actor("Tina Trainer", [.trainer])

    /// Every role against every kind of record: exactly the listed roles see it; the rest get "not found"
    /// (or, for a reviewer before submitting, the blind-review refusal).
    @Test func theMatrix() {
        let roles: [(String, Actor)] = [
            ("admin", Self.admin), ("secretariat", Fixture.secretariat), ("fund_manager", Fixture.manager), ("finance_officer", Fixture.finance),
            ("trainer", Self.trainer), ("reviewer", Self.reviewer), ("ngo_user", Fixture.partner),
        ]
        let everyone: Set<String> = Set(roles.map(\.0))
        let expected: [(Record, Set<String>)] = [
            (.fundConfiguration, everyone),
            (.organisation(Self.own), everyone.subtracting(["reviewer"])),
            (.organisation(Self.other), everyone.subtracting(["reviewer", "ngo_user"])),
            (.proposal(Self.own, .notAssigned), ["secretariat", "fund_manager", "ngo_user"]),
            (.proposal(Self.other, .notAssigned), ["secretariat", "fund_manager"]),
            (.proposal(Self.other, .assigned(submitted: false)), ["secretariat", "fund_manager", "reviewer"]),
            (.proposal(Self.other, .conflicted), ["secretariat", "fund_manager"]),
            (.draft(Self.own), ["ngo_user"]),
            (.draft(Self.other), []),
            (.reviewScores(Self.other, .assigned(submitted: true)), ["secretariat", "fund_manager", "reviewer"]),
            (.reviewScores(Self.own, .notAssigned), ["secretariat", "fund_manager"]),
            (.grant(Self.own), ["secretariat", "fund_manager", "finance_officer", "ngo_user"]),
            (.grant(Self.other), ["secretariat", "fund_manager", "finance_officer"]),
            (.finance, ["secretariat", "fund_manager", "finance_officer"]),
            (.ranking, ["secretariat", "fund_manager"]),
            (.trainingRecords, ["secretariat", "fund_manager", "trainer"]),
            (.organisationTraining(Self.own), ["secretariat", "fund_manager", "trainer", "ngo_user"]),
            (.organisationTraining(Self.other), ["secretariat", "fund_manager", "trainer"]),
            (.people, ["admin", "secretariat", "fund_manager"]),
            (.securityLog, ["admin"]),
        ]
        for (record, allowed) in expected {
            for (name, actor) in roles {
                let access = AccessPolicy.read(record, by: actor)
                #expect((access == .allowed) == allowed.contains(name), "\(name) reading \(record): \(access)")
            }
        }
    }

    @Test func blindReviewUntilTheReviewersOwnScorecardIsIn() {
        let before = AccessPolicy.read(.reviewScores(Self.other, .assigned(submitted: false)), by: Self.reviewer)
        guard case .refused(let rejection) = before else { Issue.record("expected a refusal, got \(before)"); return }
        #expect(rejection.code == "blind_review")
        #expect(AccessPolicy.read(.reviewScores(Self.other, .conflicted), by: Self.reviewer) == .notFound)
    }

    @Test func oneselfButNotOthers() {
        #expect(AccessPolicy.read(.person(Self.reviewer.userID), by: Self.reviewer) == .allowed)
        #expect(AccessPolicy.read(.person(Fixture.partner.userID), by: Self.reviewer) == .notFound)
    }

    @Test func listsAreScoped() {
        #expect(AccessPolicy.visibility(of: .proposals, for: Fixture.partner) == .organisations([Self.own]))
        #expect(AccessPolicy.visibility(of: .proposals, for: Self.reviewer) == .assignedTo(Self.reviewer.userID))
        #expect(AccessPolicy.visibility(of: .proposals, for: Fixture.finance) == AccessPolicy.Visibility.none)
        #expect(AccessPolicy.visibility(of: .grants, for: Fixture.finance) == .all)
        #expect(AccessPolicy.visibility(of: .organisationTraining, for: Self.trainer) == .all)
        #expect(AccessPolicy.visibility(of: .organisations, for: Fixture.partner) == .organisations([Self.own]))
    }

    @Test func onlyAnNGOUserAloneIsConfinedToTheirOrganisationInTheDatabase() {
        #expect(AccessPolicy.databaseScope(for: Fixture.partner) == .organisation(Self.own))
        #expect(AccessPolicy.databaseScope(for: Fixture.secretariat) == .fund)
    }
}

/// Impersonation and the four eyes.
@Suite struct ImpersonationTests {
    @Test func onlyAnAdministratorActsForSomeoneAndNeverForAnother() throws {
        let admin = AccessPolicyTests.admin
        let acting = try Impersonation.act(for: Fixture.finance, by: admin, login: "ada")
        #expect(acting.impersonatedBy == "ada")
        #expect(acting.userID == Fixture.finance.userID)
        #expect(rejectionCode { try Impersonation.act(for: Fixture.finance, by: Fixture.secretariat, login: "sam") } == "role_required")
        #expect(rejectionCode { try Impersonation.act(for: actor("Other Admin", [.admin]), by: admin, login: "ada") } == "impersonation_not_allowed")
    }

    @Test func anImpersonatedFinanceOfficerCannotRelease() throws {
        let acting = try Impersonation.act(for: Fixture.finance, by: AccessPolicyTests.admin, login: "ada")
        #expect(rejectionCode { try acting.requireInPerson(to: "release a tranche") } == "impersonation_not_allowed")
        #expect(rejectionCode { try Fixture.finance.requireInPerson(to: "release a tranche") } == nil)
    }
}

/// Passwords and sign-in attempts.
@Suite struct SignInTests {
    @Test(arguments: [
        ("short", "password_too_short"), ("password1234", "password_common"), ("aaaaaaaaaaaaaaaa", "password_common"),
        ("amina.k-secret-2026", "password_is_name"), (String(repeating: "é", count: 40), "password_too_long"),
    ])
    func refusedPasswords(password: String, code: String) {
        #expect(rejectionCode { try PasswordPolicy.check(password, login: "amina.k", displayName: "Amina Yusuf") } == code)
    }

    @Test func acceptedPassword() {
        #expect(rejectionCode { try PasswordPolicy.check("correct horse battery staple", login: "amina", displayName: "Amina Yusuf") } == nil)
    }

    @Test func fiveFailuresLockTheAccountLongerEachTime() {
        var machine = SignInMachine(state: .open(failures: 0, lockouts: 0))
        let wrong = SignInMachine.Attempt(passwordMatches: false, needsSecondFactor: false, secondFactorValid: nil)
        let right = SignInMachine.Attempt(passwordMatches: true, needsSecondFactor: false, secondFactorValid: nil)
        let start = Fixture.now
        for _ in 1..<SignInMachine.attemptsBeforeLock {
            #expect(machine.attempt(wrong, at: start) == .refuse(SignInMachine.refusal, lockedUntil: nil))
        }
        guard case .refuse(let locked, let until) = machine.attempt(wrong, at: start) else { Issue.record("no lock"); return }
        #expect(locked.code == "account_locked")
        #expect(until == start.addingTimeInterval(SignInMachine.firstLockout))
        // Locked: even the right password is refused until the lock ends.
        guard case .refuse(let stillLocked, nil) = machine.attempt(right, at: start.addingTimeInterval(60)) else { Issue.record("not locked"); return }
        #expect(stillLocked.code == "account_locked")
        #expect(machine.attempt(right, at: start.addingTimeInterval(SignInMachine.firstLockout + 1)) == .signIn)
        // The second lock-out lasts twice as long.
        let later = start.addingTimeInterval(3600)
        for _ in 1..<SignInMachine.attemptsBeforeLock { _ = machine.attempt(wrong, at: later) }
        guard case .refuse(_, let second) = machine.attempt(wrong, at: later) else { Issue.record("no second lock"); return }
        #expect(second == later.addingTimeInterval(2 * SignInMachine.firstLockout))
    }

    @Test func moneyRolesNeedTheSecondFactor() {
        #expect(SignInMachine.needsOneTimePassword([.fundManager]))
        #expect(SignInMachine.needsOneTimePassword([.admin]))
        #expect(SignInMachine.needsOneTimePassword([.financeOfficer, .reviewer]))
        #expect(!SignInMachine.needsOneTimePassword([.secretariat, .reviewer, .trainer, .ngoUser]))
        var machine = SignInMachine(state: .open(failures: 0, lockouts: 0))
        let noCode = SignInMachine.Attempt(passwordMatches: true, needsSecondFactor: true, secondFactorValid: nil)
        #expect(machine.attempt(noCode, at: Fixture.now) == .refuse(SignInMachine.codeNeeded, lockedUntil: nil))
        let badCode = SignInMachine.Attempt(passwordMatches: true, needsSecondFactor: true, secondFactorValid: false)
        #expect(machine.attempt(badCode, at: Fixture.now) == .refuse(SignInMachine.refusal, lockedUntil: nil))
        #expect(machine.state == .open(failures: 1, lockouts: 0))
    }

    @Test func linksWorkOnceAndFor72Hours() {
        let created = Fixture.now
        let expires = created.addingTimeInterval(TokenRules.linkValidity)
        #expect(rejectionCode { try TokenRules.checkLink(usedAt: nil, expiresAt: expires, at: created.addingTimeInterval(71 * 3600)) } == nil)
        #expect(rejectionCode { try TokenRules.checkLink(usedAt: nil, expiresAt: expires, at: created.addingTimeInterval(73 * 3600)) } == "link_expired")
        #expect(rejectionCode { try TokenRules.checkLink(usedAt: created, expiresAt: expires, at: created) } == "link_used")
    }
}
