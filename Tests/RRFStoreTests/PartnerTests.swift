import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct UserTests {
    @Test func theFirstUserNeedsNoActorButMustBeAnAdministrator() throws {
        try withTestDatabase { db in
            let store = Fund(db).store
            let error = refusal { _ = try store.addUser(login: "sec", displayName: "Sam", roles: [.secretariat], as: nil) }
            #expect(error?.code == "first_user_not_admin")
            let admin = try store.addUser(login: "Admin", displayName: "Ada", roles: [.admin], as: nil)
            #expect(admin.login == "admin")
            // Once there is a user, an actor is required, and only an administrator adds users.
            #expect(refusal { _ = try store.addUser(login: "x", displayName: "X", roles: [.admin], as: nil) }?.kind == .forbidden)
            _ = try store.addUser(login: "sec", displayName: "Sam", roles: [.secretariat], as: "admin")
            let notAdmin = refusal { _ = try store.addUser(login: "y", displayName: "Y", roles: [.reviewer], as: "sec") }
            #expect(notAdmin?.code == "role_required")
            #expect(notAdmin?.message == "Only an administrator can add users.")
            let unknown = refusal { _ = try store.addUser(login: "y", displayName: "Y", roles: [.reviewer], as: "nobody") }
            #expect(unknown?.code == "unknown_actor")
            #expect(try store.users().map(\.login) == ["admin", "sec"])
            #expect(try store.user("sec").roles == [.secretariat])
        }
    }

    @Test func duplicateLoginsAndNGOUsersWithoutOneOrganisationAreRefused() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let duplicate = refusal { _ = try store.addUser(login: "sec", displayName: "Other", roles: [.reviewer], as: "admin") }
            #expect(duplicate?.code == "login_taken")
            #expect(duplicate?.message.contains("already has this login") == true)
            let orphan = refusal { _ = try store.addUser(login: "n2", displayName: "N", roles: [.ngoUser], as: "admin") }
            #expect(orphan?.code == "ngo_user_needs_one_organisation")
            let badLogin = refusal { _ = try store.addUser(login: "bad login!", displayName: "N", roles: [.reviewer], as: "admin") }
            #expect(badLogin?.code == "login_invalid")
            #expect(try store.users(limit: 1000).count == 5)
        }
    }
}

@Suite struct OrganisationTests {
    /// Tranche training requirements can differ per risk rating, so a new rating has the daemon look at the
    /// organisation's open grants again; a first assessment or the same rating does not.
    @Test func aChangedRiskRatingHasTheTranchesReevaluated() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let jobs = { try fund.count("SELECT count(*) FROM jobs WHERE kind = $1 AND payload ->> 'code' = $2", [JobKinds.trainingCertificatesChanged, "NGO-BETA"]) }
            _ = try store.assessOrganisation("NGO-BETA", risk: .medium, dueDiligenceExpires: fund.today.adding(days: 200), as: "sec")
            _ = try store.assessOrganisation("NGO-BETA", risk: .medium, dueDiligenceExpires: fund.today.adding(days: 300), as: "sec")
            #expect(try jobs() == 0)
            _ = try store.assessOrganisation("NGO-BETA", risk: .high, dueDiligenceExpires: fund.today.adding(days: 300), as: "sec")
            #expect(try jobs() == 1)
        }
    }

    @Test func lifecycleWithVersionsAndAudit() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let beta = try store.organisation("ngo-beta")
            #expect(beta.state == "registered")
            let assessed = try store.assessOrganisation("NGO-BETA", risk: .high, dueDiligenceExpires: fund.today.adding(days: 200), expectedVersion: beta.version, as: "sec")
            #expect(assessed.state == "assessed")
            #expect(assessed.risk == .high)
            #expect(assessed.version == beta.version + 1)
            let stale = refusal { _ = try store.suspendOrganisation("NGO-BETA", reason: "audit", expectedVersion: beta.version, as: "sec") }
            #expect(stale?.kind == .conflict)
            #expect(stale?.message == "The organisation NGO-BETA changed since you loaded it; reload and try again.")
            let suspended = try store.suspendOrganisation("NGO-BETA", reason: "Audit findings", as: "fm")
            #expect(suspended.state == "suspended")
            #expect(suspended.risk == .high)
            let reinstated = try store.reinstateOrganisation("NGO-BETA", as: "sec")
            #expect(reinstated.state == "assessed")
            let ineligible = try store.declareOrganisationIneligible("NGO-BETA", until: fund.today.adding(days: 90), reason: "Fraud", as: "sec")
            #expect(ineligible.state == "ineligible")
            #expect(ineligible.risk == nil)
            let early = refusal { _ = try store.assessOrganisation("NGO-BETA", risk: .low, dueDiligenceExpires: fund.today.adding(days: 300), as: "sec") }
            #expect(early?.code == "organisation_still_ineligible")
            let connection = try db.connect()
            let events = try AuditLog.events(stream: "organisation:NGO-BETA", on: connection)
            #expect(events.map(\.type) == [
                "organisation.registered", "organisation.assessed", "organisation.suspended", "organisation.reinstated", "organisation.declared_ineligible",
            ])
            #expect(events.allSatisfy { $0.actor == "sec" || $0.actor == "fm" })
            let reminders = try fund.count("SELECT count(*) FROM jobs WHERE kind = $1", [JobKinds.organisationDueDiligenceReminder])
            #expect(reminders == 2)
            #expect(try store.organisations(state: "ineligible").map(\.code) == ["NGO-BETA"])
        }
    }

    @Test func onlyTheSecretariatRegistersAndBadInputChangesNothing() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            #expect(refusal { _ = try store.registerOrganisation(code: "NGO-X", name: "X", country: "KE", as: "fm") }?.kind == .forbidden)
            #expect(refusal { _ = try store.registerOrganisation(code: "NGO-ALPHA", name: "X", country: "KE", as: "sec") }?.code == "organisation_code_taken")
            #expect(refusal { _ = try store.registerOrganisation(code: "NGO-X", name: "X", country: "Kenya", as: "sec") }?.code == "country_invalid")
            #expect(refusal { _ = try store.registerOrganisation(code: "NGO X;", name: "X", country: "KE", as: "sec") }?.code == "organisation_code_invalid")
            let huge = String(repeating: "x", count: 10_000_000)
            #expect(refusal { _ = try store.registerOrganisation(code: "NGO-X", name: huge, country: "KE", as: "sec") }?.code == "organisation_name_too_long")
            #expect(refusal { _ = try store.assessOrganisation("NGO-BETA", risk: .low, dueDiligenceExpires: fund.today, as: "sec") }?.code == "due_diligence_expiry_invalid")
            #expect(refusal { _ = try store.suspendOrganisation("NGO-BETA", reason: "x", as: "sec") }?.code == "invalid_transition")
            #expect(refusal { _ = try store.suspendOrganisation("NGO-ALPHA", reason: "   ", as: "sec") }?.code == "reason_required")
            #expect(refusal { _ = try store.organisation("NGO-NONE") }?.kind == .notFound)
            #expect(try fund.count("SELECT count(*) FROM organisations") == 2)
            // Metacharacters are data.
            let odd = try store.registerOrganisation(code: "NGO-Q", name: "Robert'); DROP TABLE organisations; --", country: "ke", as: "sec")
            #expect(try store.organisation("NGO-Q").name == odd.name)
            #expect(odd.name == "Robert'); DROP TABLE organisations; --")
        }
    }
}
