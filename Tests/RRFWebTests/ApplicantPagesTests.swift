import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import RRFStore
import RRFTestSupport
import RRFWeb
import RRFWorkflow
import Testing

/// What an NGO user does after submitting, in the portal over a real PostgreSQL: withdraw, answer a revision
/// request, write a report with spending per budget line; and what they are told (notifications, certificates).
@Suite struct ApplicantPagesTests {
    /// The CSRF token of the first form on `response`'s page.
    static func csrf(_ response: TestResponse) throws -> String {
        try #require(String(buffer: response.body).components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix(64)).description
    }

    static func headers(_ session: String) -> HTTPFields {
        [.cookie: "rrf_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
    }

    /// The portal's fund with a fund manager and a finance officer, money in the health envelope and the NGO
    /// user's e-mail address (so that notifications reach them).
    static func fundWithStaff(_ db: TestDatabase) throws -> (FundStore, String) {
        let (store, reference) = try PortalTests.fund(db)
        _ = try store.addUser(login: "fm", displayName: "Fatima Manager", roles: [.fundManager], as: "admin")
        _ = try store.addUser(login: "fin", displayName: "Fiona Finance", roles: [.financeOfficer], as: "admin")
        _ = try store.editUser("ngo", UserChanges(email: "ngo@alpha.example"), as: "admin")
        let usd = try Currency(code: "USD")
        try store.deposit(call: "SA-1", cluster: .health, amount: Money(minorUnits: 10_000_000, currency: usd), donor: "ECHO", as: "fm")
        return (store, reference)
    }

    /// Moves the proposal to `scored` directly: the review pages have their own tests.
    static func markScored(_ reference: String, db: TestDatabase) throws {
        let connection = try db.connect()
        defer { connection.close() }
        try connection.query("UPDATE proposals SET state = 'scored', version = version + 1 WHERE reference = $1", [reference])
    }

    @Test func anNGOOfficerWithdrawsTheirProposalWithAReasonAndAnotherOrganisationCannot() async throws {
        try await withTestDatabase { db in
            let (store, reference) = try PortalTests.fund(db)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let beta = Self.headers(try await PortalTests.signIn("beta", client: client))
                let ngo = Self.headers(try await PortalTests.signIn("ngo", client: client))
                let page = try await client.execute(uri: "/proposals/\(reference)", method: .get, headers: ngo)
                #expect(String(buffer: page.body).contains("action=\"/proposals/\(reference)/withdraw\""))
                let csrf = try Self.csrf(page)
                let betaPage = try await client.execute(uri: "/", method: .get, headers: beta)
                let stranger = try await client.execute(
                    uri: "/proposals/\(reference)/withdraw", method: .post, headers: beta,
                    body: PortalTests.form(["csrf": try Self.csrf(betaPage), "reason": "Mischief"])
                )
                #expect(stranger.status == .notFound)
                let noReason = try await client.execute(
                    uri: "/proposals/\(reference)/withdraw", method: .post, headers: ngo, body: PortalTests.form(["csrf": csrf, "reason": " "])
                )
                #expect(noReason.status == .badRequest)
                #expect(String(buffer: noReason.body).contains("Give the reason for withdrawing the proposal."))
                #expect(try store.proposal(reference).state == "submitted")
                let withdrawn = try await client.execute(
                    uri: "/proposals/\(reference)/withdraw", method: .post, headers: ngo,
                    body: PortalTests.form(["csrf": csrf, "reason": "Funded by another donor", "version": "\(try store.proposal(reference).version)"])
                )
                #expect(withdrawn.status == .seeOther)
                #expect(try store.proposal(reference).state == "withdrawn")
                let after = String(buffer: try await client.execute(uri: "/proposals/\(reference)", method: .get, headers: ngo).body)
                #expect(after.contains("Funded by another donor") && !after.contains("/withdraw\""))
            }
        }
    }

    @Test func anNGOOfficerAnswersARevisionRequestAndIsToldOfItWithoutPasswordLinks() async throws {
        try await withTestDatabase { db in
            let (store, reference) = try Self.fundWithStaff(db)
            try store.requestPasswordReset("ngo", baseURL: "https://rrf.example")
            try Self.markScored(reference, db: db)
            _ = try store.decideProposal(reference, .requestRevision(reason: "Split the budget into lines."), as: "fm")
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let ngo = Self.headers(try await PortalTests.signIn("ngo", client: client))
                let page = String(buffer: try await client.execute(uri: "/proposals/\(reference)", method: .get, headers: ngo).body)
                #expect(page.contains("href=\"/proposals/\(reference)/revise\"") && page.contains("Split the budget into lines."))
                let form = try await client.execute(uri: "/proposals/\(reference)/revise", method: .get, headers: ngo)
                let html = String(buffer: form.body)
                #expect(form.status == .ok && html.contains("value=\"Cholera response in Garissa\"") && html.contains("<option value=\"health\" selected>"))
                var fields = [
                    "csrf": try Self.csrf(form), "version": "\(try store.proposal(reference).version)", "call": "SA-1", "cluster": "health",
                    "title": "Cholera response in Garissa, revised", "summary": "Water.", "locations": "Garissa", "beneficiaries": "1000",
                    "duration_months": "6", "requested": "1000", "description1": "Water trucking", "amount1": "600", "description2": "Chlorine", "amount2": "500",
                ]
                let unbalanced = try await client.execute(uri: "/proposals/\(reference)/revise", method: .post, headers: ngo, body: PortalTests.form(fields))
                #expect(unbalanced.status == .badRequest && String(buffer: unbalanced.body).contains("role=\"alert\""))
                let css = String(buffer: try await client.execute(uri: "/static/rrf.css", method: .get).body)
                try PageQualityTests.expectValid([("revise", html), ("revise-refused", String(buffer: unbalanced.body))], stylesheet: css)
                #expect(try store.proposal(reference).state == "revision_requested")
                fields["amount2"] = "400"
                let resubmitted = try await client.execute(uri: "/proposals/\(reference)/revise", method: .post, headers: ngo, body: PortalTests.form(fields))
                #expect(resubmitted.status == .seeOther)
                let proposal = try store.proposal(reference)
                #expect(proposal.state == "resubmitted" && proposal.round == 2 && proposal.budgetLines.count == 2)

                let notifications = String(buffer: try await client.execute(uri: "/notifications", method: .get, headers: ngo).body)
                #expect(notifications.contains("Split the budget into lines."))
                #expect(!notifications.contains("password-reset/") && !notifications.contains("Reset your password"))
                #expect(try store.mailbox("ngo").contains { $0.subject.contains("Reset your password") })
            }
        }
    }

    @Test func anNGOOfficerReportsSpendingPerBudgetLineAndSeesTheirStaffsCertificates() async throws {
        try await withTestDatabase { db in
            let (store, reference) = try Self.fundWithStaff(db)
            try Self.markScored(reference, db: db)
            let usd = try Currency(code: "USD")
            _ = try store.decideProposal(reference, .approve(amount: Money(minorUnits: 100_000, currency: usd), justification: "Sound."), as: "fm")
            let today = LocalDate(Date(), utcOffsetMinutes: 0)
            _ = try store.signGrant(reference, signatory: "Amina Yusuf, Director", startDate: today.adding(days: -100), as: "fm")
            try store.evaluateTranches(reference, trainingShortfalls: [], as: "sec")
            let tranche = try store.approveTranche(reference, sequence: 1, as: "fm")
            _ = try store.releaseTranche(reference, sequence: 1, amount: tranche.amount, idempotencyKey: "first", as: "fin")
            let due = try #require(try store.markReportsDue(as: "sec").first)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let ngo = Self.headers(try await PortalTests.signIn("ngo", client: client))
                let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: ngo).body)
                let link = "/grants/\(reference)/reports/\(due.sequence)"
                #expect(dashboard.contains("href=\"\(link)\"") && dashboard.contains("Staff certificates"))
                let form = try await client.execute(uri: link, method: .get, headers: ngo)
                #expect(form.status == .ok && String(buffer: form.body).contains("<label for=\"spent1\">Everything"))
                var fields = ["csrf": try Self.csrf(form), "narrative": "Water delivered to 800 households.", "spent1": "999999"]
                let tooMuch = try await client.execute(uri: link, method: .post, headers: ngo, body: PortalTests.form(fields))
                #expect(tooMuch.status == .badRequest && String(buffer: tooMuch.body).contains("value=\"999999\""))
                fields["spent1"] = "250.50"
                let submitted = try await client.execute(uri: link, method: .post, headers: ngo, body: PortalTests.form(fields))
                #expect(submitted.status == .seeOther)
                let report = try #require(try store.reports(reference).first { $0.sequence == due.sequence })
                #expect(report.state == "submitted" && report.spendingLines == [SpendingLine(line: "Everything", amount: "250.50 USD")])
                let shown = String(buffer: try await client.execute(uri: link, method: .get, headers: ngo).body)
                let css = String(buffer: try await client.execute(uri: "/static/rrf.css", method: .get).body)
                try PageQualityTests.expectValid(
                    [("dashboard-grant", dashboard), ("report-form", String(buffer: form.body)), ("report-refused", String(buffer: tooMuch.body)), ("report", shown)],
                    stylesheet: css
                )
                #expect(shown.contains("Water delivered to 800 households.") && !shown.contains("name=\"narrative\""))

                let beta = Self.headers(try await PortalTests.signIn("beta", client: client))
                #expect(try await client.execute(uri: link, method: .get, headers: beta).status == .notFound)
            }
        }
    }

    /// A dashboard of more proposals than a page: 50 at a time, a "Next page" link to the rest (keyset: a
    /// proposal submitted meanwhile shifts nothing), and a page link that is not the portal's refused.
    @Test func theDashboardListsProposalsAPageAtATime() async throws {
        try await withTestDatabase { db in
            let (store, first) = try PortalTests.fund(db)
            for number in 2...55 {
                _ = try store.submitProposal(
                    ProposalSubmission(
                        organisation: "NGO-ALPHA", call: "SA-1", cluster: "health", title: "Response \(number)", summary: "Water.", locations: ["Garissa"],
                        beneficiaries: 100, requested: "1000 USD", durationMonths: 6, budgetLines: [.init(description: "Everything", amount: "1000 USD")]
                    ),
                    as: "ngo"
                )
            }
            let references = try store.proposals(ProposalFilter(limit: 100)).map(\.reference)
            #expect(references.count == 55 && references.first == first)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let ngo = Self.headers(try await PortalTests.signIn("ngo", client: client))
                let page1 = String(buffer: try await client.execute(uri: "/", method: .get, headers: ngo).body)
                #expect(page1.contains("Showing 50 of 55."), "\(page1)")
                #expect(references.prefix(50).allSatisfy { page1.contains(">\($0)</a>") } && !page1.contains(">\(references[50])</a>"))
                let next = try #require(page1.firstMatch(of: #/href="/\?after=([A-Za-z0-9_-]+)" rel="next"/#)?.output.1)
                let page2 = String(buffer: try await client.execute(uri: "/?after=\(next)", method: .get, headers: ngo).body)
                #expect(page2.contains("Showing 5 of 55.") && page2.contains("href=\"/\">First page</a>") && !page2.contains("rel=\"next\""))
                #expect(references.suffix(5).allSatisfy { page2.contains(">\($0)</a>") } && !page2.contains(">\(references[49])</a>"))
                let bad = try await client.execute(uri: "/?after=not-a-cursor!", method: .get, headers: ngo)
                #expect(bad.status == .badRequest && String(buffer: bad.body).contains("This page link is not one the portal gave out"))
            }
        }
    }

    @Test func metricsCountSignInsAndStoreCalls() async throws {
        try await withTestDatabase { db in
            let (store, _) = try PortalTests.fund(db)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                _ = try await PortalTests.signIn("ngo", client: client)
                let page = try await client.execute(uri: "/login", method: .get)
                let pair = try #require(PortalTests.cookieValue(PortalTests.setCookie("rrf_signin", in: page)))
                _ = try await client.execute(
                    uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rrf_signin=\(pair)"],
                    body: PortalTests.form(["csrf": pair, "login": "ngo", "password": "wrong password entirely"])
                )
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                let text = String(buffer: metrics.body)
                #expect(metrics.status == .ok && metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(text.contains("rrfweb_sign_ins_total{outcome=\"signed_in\"} 1"))
                #expect(text.contains("rrfweb_sign_ins_total{outcome=\"refused\"} 1"))
                #expect(text.contains("rrfweb_store_call_duration_seconds_count 2"))
                #expect(!text.contains(PortalTests.password))
            }
        }
    }
}
