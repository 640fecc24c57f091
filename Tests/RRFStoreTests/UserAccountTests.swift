import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Issue 13, item 12: users are edited, deactivated and reactivated; users without an e-mail address are reported.
@Suite struct UserAccountTests {
    @Test func anAdministratorEditsNameEmailAndRolesWithAnAuditEvent() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let before = try store.user("fm")
            let edited = try store.editUser(
                "fm", UserChanges(displayName: "Fatima M. Manager", email: "fatima@fund.example", roles: [.fundManager, .reviewer]),
                expectedVersion: before.version, as: "admin"
            )
            #expect(edited.displayName == "Fatima M. Manager")
            #expect(edited.email == "fatima@fund.example")
            #expect(edited.roles == [.fundManager, .reviewer])
            #expect(edited.version == before.version + 1)
            #expect(refusal { _ = try store.editUser("fm", UserChanges(displayName: "X"), expectedVersion: before.version, as: "admin") }?.code == "changed_since_loaded")
            #expect(refusal { _ = try store.editUser("fm", UserChanges(displayName: "X"), as: "sec") }?.code == "role_required")
            #expect(refusal { _ = try store.editUser("fm", UserChanges(email: "not an address"), as: "admin") }?.code == "email_invalid")
            #expect(refusal { _ = try store.editUser("fm", UserChanges(roles: [.ngoUser]), as: "admin") }?.code == "ngo_user_needs_one_organisation")
            #expect(refusal { _ = try store.editUser("admin", UserChanges(roles: [.secretariat]), as: "admin") }?.code == "last_administrator")
            #expect(try store.user("fm") == edited)
            #expect(try fund.count("SELECT count(*) FROM audit_events WHERE stream = 'user:fm' AND event_type = 'user.edited'") == 1)
        }
    }

    @Test func aDeactivatedUserCannotActUntilReactivated() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let deactivated = try store.deactivateUser("sec", as: "admin")
            #expect(!deactivated.active)
            let refused = refusal { _ = try store.closeCall("SA-1", as: "sec") }
            #expect(refused?.code == "user_deactivated")
            #expect(refused?.kind == .forbidden)
            #expect(refused?.message.contains("rrfctl user reactivate sec") == true)
            #expect(try store.call("SA-1").state == "open")
            #expect(refusal { _ = try store.deactivateUser("admin", as: "admin") }?.code == "cannot_deactivate_self")
            #expect(refusal { _ = try store.deactivateUser("sec", as: "admin") }?.code == "user_already_deactivated")
            let reactivated = try store.reactivateUser("sec", expectedVersion: deactivated.version, as: "admin")
            #expect(reactivated.active)
            _ = try store.closeCall("SA-1", as: "sec")
            let types = try fund.count(
                "SELECT count(*) FROM audit_events WHERE stream = 'user:sec' AND event_type IN ('user.deactivated', 'user.reactivated')"
            )
            #expect(types == 2)
        }
    }

    @Test func theSecretariatIsToldOnceWhenAUserWithoutAnAddressMissesANotification() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            _ = try store.addUser(login: "sec2", displayName: "Sara Second", roles: [.secretariat], as: "admin")
            _ = try store.submitProposal(Fund.submission(), as: "ngo")
            _ = try store.submitProposal(Fund.submission(title: "Shelter kits"), as: "ngo")
            let told = "SELECT count(*) FROM notifications WHERE recipient = 'sec@fund.example' AND body LIKE '%Sara Second (sec2) has no e-mail address and missed a notification of proposal submitted%'"
            #expect(try fund.count(told) == 1)
            // A deactivated user is neither notified nor reported.
            _ = try store.deactivateUser("sec2", as: "admin")
            _ = try store.addUser(login: "sec3", displayName: "Sol Third", email: "sol@fund.example", roles: [.secretariat], as: "admin")
            _ = try store.deactivateUser("sec3", as: "admin")
            _ = try store.submitProposal(Fund.submission(title: "Water trucking"), as: "ngo")
            #expect(try fund.count("SELECT count(*) FROM notifications WHERE recipient = 'sol@fund.example'") == 0)
        }
    }
}
