import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// `FundStore.reading`: several reads in one transaction, as the dashboard makes them.
@Suite struct ReadSessionTests {
    /// At REPEATABLE READ every read of the session sees the snapshot its first read took: a proposal submitted
    /// meanwhile on another connection appears in neither list, and in the next session it does. Each read still
    /// sees only what the person may see.
    @Test func theReadsOfASessionShareOneTransactionAndStayConfinedToThePerson() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            _ = try fund.store.submitProposal(Fund.submission(title: "First"), as: "ngo")
            _ = try fund.store.assessOrganisation("NGO-BETA", risk: .low, dueDiligenceExpires: fund.today.adding(days: 365), as: "sec")
            _ = try fund.store.addUser(login: "beta", displayName: "Bea Beta", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
            _ = try fund.store.submitProposal(Fund.submission(title: "Beta's", organisation: "NGO-BETA"), as: "beta")
            let ngo = try fund.person("ngo")

            let (before, during) = try ngo.store.reading("test.session", isolation: .repeatableRead) { store in
                let before = try store.proposals().items.map(\.title)
                _ = try fund.store.submitProposal(Fund.submission(title: "Second"), as: "ngo")
                return (before, try store.proposals().items.map(\.title))
            }
            #expect(before == ["First"])
            #expect(during == ["First"])
            #expect(try ngo.store.reading("test.session") { try $0.proposals().items.map(\.title) }.sorted() == ["First", "Second"])
        }
    }

    /// A read refused inside a session is refused as it is outside one, and the security log records it once,
    /// under the session's name; a read that needs a stronger isolation than the session's is refused, not
    /// silently weakened.
    @Test func aRefusalInsideASessionIsLoggedOnceAndIsolationIsNeverWeakened() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            _ = try fund.store.assessOrganisation("NGO-BETA", risk: .low, dueDiligenceExpires: fund.today.adding(days: 365), as: "sec")
            _ = try fund.store.addUser(login: "beta", displayName: "Bea Beta", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
            let hidden = try fund.store.submitProposal(Fund.submission(title: "Beta's", organisation: "NGO-BETA"), as: "beta")
            let ngo = try fund.person("ngo")

            let refused = refusal { _ = try ngo.store.reading("test.dashboard") { try $0.proposal(hidden.reference) } }
            #expect(refused?.kind == .notFound)
            #expect(try fund.securityEvents(command: "test.dashboard").map(\.code) == [refused?.code ?? "-"])
            #expect(try fund.securityEvents().count == 1)

            let fm = try fund.person("fm")
            let weakened = refusal { _ = try fm.store.reading("test.kpis") { try $0.kpis() } }
            #expect(weakened?.kind == .internal)
            #expect(weakened?.message.contains("REPEATABLE READ") == true)
            #expect(try fm.store.reading("test.kpis", isolation: .repeatableRead) { try $0.kpis() } == fm.store.kpis())
        }
    }

    /// The grant overview reads every grant's tranches and reports in one statement each; each grant still gets
    /// exactly its own, in order, the same as the per-grant reads answer.
    @Test func theGrantOverviewGivesEachGrantItsOwnTranchesAndReports() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let released = try fund.grantWithReleasedFirstTranche(requested: "3000.00 USD")
            let (approved, _) = try fund.grantWithApprovedFirstTranche(requested: "40000.00 USD")
            let overviews = try fund.store.grantOverviews()
            #expect(overviews.map(\.grant.reference) == [released.reference, approved.reference].sorted())
            for overview in overviews {
                #expect(!overview.tranches.isEmpty)
                #expect(Set(overview.tranches.map(\.grant) + overview.reports.map(\.grant)) == [overview.grant.reference])
                #expect(overview.tranches == (try fund.store.tranches(overview.grant.reference)))
                #expect(overview.reports.map(\.id) == (try fund.store.reports(overview.grant.reference)).map(\.id))
            }

            _ = try fund.store.addUser(login: "beta", displayName: "Bea Beta", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
            #expect(try fund.person("beta").store.grantOverviews().isEmpty)
        }
    }
}
