import Foundation
import Hummingbird
import HummingbirdTesting
import RRFStore
import RRFTestSupport
import RRFWeb
import RRFWorkflow
import Testing

/// The rest of the story in a real Chromium, with JavaScript on and off (Tools/browser_story.py phases screen,
/// decide, release): the secretariat forms the committee, screens and has reviewers picked; the fund manager
/// sees the ranking, approves for less than requested, records the signature, approves the first tranche and is
/// refused releasing it; a different finance officer releases it with a double click and a form sent again:
/// one payment; the key figures show the decision. The reviewers' scores go through the store between phases.
extension BrowserStoryTests {
    @Test(.enabled(if: BrowserStoryTests.available || BrowserStoryTests.required, "needs chromium, chromium-driver and selenium (set CI or RRF_BROWSER_TESTS to require them)"),
          arguments: [true, false])
    func theStaffStoryInChromium(javascript: Bool) async throws {
        try #require(BrowserStoryTests.available, "Chromium, chromedriver (apt-get install chromium chromium-driver) or selenium (pip install selenium) is missing")
        try await withTestDatabase { db in
            let store = try BrowserStoryTests.fund(db, committee: false)
            _ = try store.addUser(login: "fin", displayName: "Farid Finance", roles: [.financeOfficer], as: "admin")
            _ = try store.editUser("fm", UserChanges(roles: [.fundManager, .financeOfficer]), as: "admin")
            try store.deposit(call: "SA-1", cluster: .health, amount: Money(minorUnits: 5_000_000, currency: try Currency(code: "USD")), donor: "ECHO", as: "fm")
            var enrolled: [String: [String]] = [:]
            for login in ["sec", "fm", "fin"] {
                let enrolment = try store.acceptCredentialLink(token: try db.invitationLink(for: login), password: BrowserStoryTests.password)
                enrolled[login] = enrolment?.recoveryCodes ?? []
            }
            let codes = enrolled
            #expect(codes["fm"]?.isEmpty == false && codes["fin"]?.isEmpty == false)
            let requested = "15000.00 USD"
            let proposal = try store.submitProposal(ProposalSubmission(
                organisation: "NGO-ALPHA", call: "SA-1", cluster: "health", title: "Hygiene kits for Dadaab", summary: "Kits and chlorination.",
                locations: ["Dadaab"], beneficiaries: 2_400, requested: requested, durationMonths: 6,
                budgetLines: [ProposalSubmission.Line(description: "Hygiene kits", amount: requested)]
            ), as: "nadia")
            let reference = proposal.reference

            let portal = try await PortalTests.portal(store)
            let app = Application(router: portal.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))"
                let folder = BrowserStoryTests.screenshots.appendingPathComponent(javascript ? "staff-javascript-on" : "staff-javascript-off")
                try? FileManager.default.removeItem(at: folder)
                func phase(_ name: String, _ facts: [String: Any]) async throws {
                    _ = try await BrowserStoryTests.browser(phase: name, base: base, javascript: javascript, folder: folder, facts: facts)
                }
                let password = BrowserStoryTests.password
                try await phase("screen", ["reference": reference, "login": "sec", "password": password, "chair": "rita", "chairName": "Reviewer Rita", "member": "rolf"])
                let panel = try store.reviews(ReviewFilter(reference: reference))
                #expect(Set(panel.map(\.reviewer)) == ["rita", "rolf"])
                #expect(try store.committee("PRC-HEALTH").members.count == 2)

                let criteria = try store.call("SA-1").configuration.scorecard.criteria
                for login in ["rita", "rolf"] {
                    let scores = Dictionary(uniqueKeysWithValues: criteria.map { ($0.id, $0.maxScore) })
                    _ = try store.submitReview(reference, reviewer: login, ReviewScoresInput(scores: scores, comments: "Clear and well costed."), as: login)
                }
                _ = try store.aggregateReviews(reference, as: "sec")

                try await phase("decide", ["reference": reference, "login": "fm", "password": password, "codes": Array(codes["fm"]!.prefix(1)), "amount": "12000"])
                let decided = try store.proposal(reference)
                #expect(decided.state == "approved" && decided.approved?.minorUnits == 1_200_000)
                #expect(try store.grant(reference).state == "active")

                try await phase("release", ["reference": reference, "login": "fin", "password": password, "codes": Array(codes["fin"]!.prefix(1))])
                let tranches = try store.tranches(reference)
                let first = try #require(tranches.first { $0.sequence == 1 })
                #expect(first.state == "released" && first.approvedBy == "fm" && first.releasedBy == "fin")
                let released = try store.ledgerBalances().filter { $0.code == "released:\(reference)" }
                #expect(released.map(\.balance.minorUnits) == [first.amount.minorUnits], "one payment of the first tranche: \(released)")
                #expect(try store.verifyLedger().isEmpty)
                let pictures = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                #expect(pictures.filter { $0.hasSuffix(".png") }.count == 13, "screenshots: \(pictures.sorted())")
            }
        }
    }
}
