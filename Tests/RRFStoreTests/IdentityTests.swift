import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Accounts and sign-in against a real PostgreSQL: invitations, passwords, one-time codes, lock-out, tokens.
@Suite struct IdentityTests {
    @Test func anInvitationByTheOutboxSetsAPasswordOnceAndTheRoleEnrolsAnAuthenticator() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            _ = try fund.store.editUser("fm", UserChanges(displayName: nil, email: "fm@fund.example", roles: nil), as: "admin")
            _ = try fund.store.inviteUser("fm", baseURL: "https://rrf.example", as: "admin")
            let message = try #require(try fund.store.mailbox("fm").first)
            let link = try #require(message.body.split(separator: "\n").first { $0.hasPrefix("https://rrf.example/invitation/") })
            let token = String(link.split(separator: "/").last!)
            #expect(refusal { _ = try fund.store.acceptCredentialLink(token: token, password: "short") }?.code == "password_too_short")
            let enrolment = try #require(try fund.store.acceptCredentialLink(token: token, password: Fund.password))
            #expect(enrolment.uri.hasPrefix("otpauth://totp/RRF"))
            #expect(enrolment.recoveryCodes.count == 10)
            #expect(refusal { _ = try fund.store.acceptCredentialLink(token: token, password: Fund.password) }?.code == "link_used")
            // The money role needs the code: the password alone is not enough.
            #expect(refusal { _ = try fund.store.signIn(login: "fm", password: Fund.password) }?.code == "one_time_code_required")
            let otp = try #require(OneTimePassword(base32: enrolment.secret))
            let issued = try fund.store.signIn(login: "fm", password: Fund.password, code: otp.code(at: Date()))
            #expect(try fund.store.signedIn(token: issued.secret, channel: .cli).whoami().login == "fm")
            // The same code is not accepted twice; a recovery code works once.
            #expect(refusal { _ = try fund.store.signIn(login: "fm", password: Fund.password, code: otp.code(at: Date())) }?.code == "sign_in_failed")
            _ = try fund.store.signIn(login: "fm", password: Fund.password, code: enrolment.recoveryCodes[0].uppercased())
            #expect(refusal { _ = try fund.store.signIn(login: "fm", password: Fund.password, code: enrolment.recoveryCodes[0]) }?.code == "sign_in_failed")
        }
    }

    @Test func fiveWrongPasswordsLockTheAccountAndTellTheAdministrators() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            _ = try fund.store.editUser("admin", UserChanges(displayName: nil, email: "admin@fund.example", roles: nil), as: "admin")
            let ngo = try fund.person("ngo")
            for _ in 1...4 {
                #expect(refusal { _ = try fund.store.signIn(login: "ngo", password: "wrong password, really") }?.code == "sign_in_failed")
            }
            #expect(refusal { _ = try fund.store.signIn(login: "ngo", password: "wrong password, really") }?.code == "account_locked")
            #expect(refusal { _ = try fund.store.signIn(login: "ngo", password: ngo.password) }?.code == "account_locked")
            #expect(try fund.store.mailbox("admin").contains { $0.subject.contains("ngo is locked out") })
            #expect(try fund.securityEvents(command: "sign_in").count == 6)
            #expect(try fund.securityEvents(command: "sign_in").allSatisfy { $0.kind == "sign_in" && $0.actor == "ngo" })
            // An unknown login is refused in the same words and logged too.
            #expect(refusal { _ = try fund.store.signIn(login: "nobody", password: "whatever it is") }?.message == SignInMachine.refusal.message)
            try fund.store.unlockUser("ngo", as: "admin")
            _ = try fund.store.signIn(login: "ngo", password: ngo.password)
        }
    }

    @Test func deactivationEndsEveryTokenAtOnceAndRevocationEndsOne() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let ngo = try fund.person("ngo")
            #expect(try ngo.store.proposals().isEmpty)
            let api = try ngo.store.createAPIToken(label: "reports script", days: 30, as: "")
            let script = fund.store.signedIn(token: api.secret, channel: .api)
            #expect(try ngo.store.accessTokens(as: "").count == 2)
            _ = try script.revokeToken(api.record.id, as: "")
            #expect(refusal { _ = try script.proposals() }?.kind == .unauthenticated)
            _ = try fund.store.deactivateUser("ngo", as: "admin")
            #expect(refusal { _ = try ngo.store.proposals() }?.kind == .unauthenticated)
            #expect(refusal { _ = try ngo.store.submitProposal(Fund.submission(), as: "") }?.kind == .unauthenticated)
        }
    }

    @Test func aSignedInPersonActsOnlyAsThemselvesAndAnAdministratorActsForOthersOnTheRecord() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let ngo = try fund.person("ngo")
            #expect(refusal { _ = try ngo.store.registerOrganisation(code: "NGO-X", name: "X", country: "KE", as: "sec") }?.code == "not_signed_in_as")
            let admin = try fund.person("admin")
            let acting = fund.store.signedIn(token: admin.token, channel: .cli, actingFor: "sec")
            _ = try acting.registerOrganisation(code: "NGO-GAMMA", name: "Gamma", country: "KE", as: "")
            let events = try fund.store.organisation("NGO-GAMMA")
            #expect(events.code == "NGO-GAMMA")
            let connection = try db.connect()
            defer { connection.close() }
            let actor = try connection.query("SELECT actor FROM audit_events WHERE stream = 'organisation:NGO-GAMMA'").single().decode("actor", as: String.self)
            #expect(actor == "admin for sec")
            // Only an administrator acts for someone.
            let sec = try fund.person("sec")
            #expect(refusal { _ = try fund.store.signedIn(token: sec.token, channel: .cli, actingFor: "fm").proposals() }?.code == "role_required")
        }
    }

    /// One person cannot both approve and release a tranche, by any path: themselves, or an administrator
    /// acting for either side.
    @Test func fourEyesHoldWithImpersonation() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let (grant, tranche) = try fund.grantWithApprovedFirstTranche()
            _ = try fund.store.addUser(login: "both", displayName: "Bo Both", roles: [.fundManager, .financeOfficer], as: "admin")
            let admin = try fund.person("admin")
            let forFinance = fund.store.signedIn(token: admin.token, channel: .cli, actingFor: "fin")
            let release = { (store: FundStore) in
                _ = try store.releaseTranche(grant.reference, sequence: 1, amount: tranche.amount, idempotencyKey: "k-\(UUID())", as: "")
            }
            #expect(refusal { try release(forFinance) }?.code == "impersonation_not_allowed")
            let fm = try fund.person("fm")
            #expect(refusal { try release(fm.store) }?.code == "role_required")
            // A person with both roles who approved cannot release.
            let both = try fund.person("both")
            let (second, secondTranche) = try fund.grantWithApprovedFirstTranche(requested: "9000 USD")
            _ = secondTranche
            let signedGrant = try fund.store.grant(second.reference)
            _ = signedGrant
            let third = try fund.scoredProposal(requested: "8000 USD")
            _ = try fund.store.decideProposal(third.reference, .approve(amount: third.requested, justification: "Sound."), as: "fm")
            let thirdGrant = try fund.store.signGrant(third.reference, signatory: "Director", as: "fm")
            try fund.store.evaluateTranches(thirdGrant.reference, trainingShortfalls: [], as: "sec")
            let approved = try both.store.approveTranche(thirdGrant.reference, sequence: 1, as: "")
            #expect(refusal {
                _ = try both.store.releaseTranche(thirdGrant.reference, sequence: 1, amount: approved.amount, idempotencyKey: "both-1", as: "")
            }?.code == "same_person_release")
            let forManager = fund.store.signedIn(token: admin.token, channel: .cli, actingFor: "fm")
            #expect(refusal { _ = try forManager.approveTranche(second.reference, sequence: 2, as: "") }?.code == "impersonation_not_allowed")
            // And in PostgreSQL: a recorded approval cannot be rewritten, even by the table's owner.
            let connection = try db.connect()
            defer { connection.close() }
            #expect(throws: PostgresError.self) {
                try connection.query(
                    "UPDATE tranches t SET approved_by = u.id FROM users u, grants g WHERE u.login = 'fin' AND g.id = t.grant_id AND g.reference = $1 AND t.sequence = 1",
                    [grant.reference]
                )
            }
            _ = try fund.person("fin").store.releaseTranche(grant.reference, sequence: 1, amount: tranche.amount, idempotencyKey: "fin-1", as: "")
        }
    }
}
