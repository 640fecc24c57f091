import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import RRFStore
import RRFTestSupport
import RRFWeb
import RRFWorkflow
import Testing

/// The portal over a real PostgreSQL, request by request (the router in process): sign-in, sessions, CSRF,
/// scoping, escaping and the security headers.
@Suite struct PortalTests {
    static let password = "correct horse battery staple"

    /// A fund with two partners, each with an NGO user with a password, and one proposal of NGO-ALPHA.
    static func fund(_ db: TestDatabase, title: String = "Cholera response in Garissa") throws -> (FundStore, String) {
        let store = FundStore(pool: db.pool())
        _ = try store.addUser(login: "admin", displayName: "Ada Admin", roles: [.admin], as: nil)
        _ = try store.addUser(login: "sec", displayName: "Sam Secretariat", roles: [.secretariat], as: "admin")
        for (code, login) in [("NGO-ALPHA", "ngo"), ("NGO-BETA", "beta")] {
            _ = try store.registerOrganisation(code: code, name: code, country: "KE", as: "sec")
            _ = try store.assessOrganisation(code, risk: .low, dueDiligenceExpires: LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 300), as: "sec")
            _ = try store.addUser(login: login, displayName: "Officer of \(code)", roles: [.ngoUser], organisations: [code], as: "admin")
            try setPassword(login, db: db, store: store)
        }
        let usd = try Currency(code: "USD")
        let configuration = CallConfiguration(
            title: "Floods", kind: .standard, currency: usd, envelopes: [.health: Money(minorUnits: 10_000_000, currency: usd)],
            perProposalCeiling: Money(minorUnits: 5_000_000, currency: usd), submissionDeadline: Date().addingTimeInterval(20 * 86_400),
            reviewDeadline: Date().addingTimeInterval(30 * 86_400), decisionSLA: .businessDays(10), scorecard: CallDefaults.scorecard
        )
        _ = try store.createCall(code: "SA-1", configuration: configuration, as: "sec")
        _ = try store.openCall("SA-1", as: "sec")
        let proposal = try store.submitProposal(
            ProposalSubmission(
                organisation: "NGO-ALPHA", call: "SA-1", cluster: "health", title: title, summary: "Water & <care>.", locations: ["Garissa"],
                beneficiaries: 1_000, requested: "1000 USD", durationMonths: 6, budgetLines: [.init(description: "Everything", amount: "1000 USD")]
            ),
            as: "ngo"
        )
        return (store, proposal.reference)
    }

    /// Sets `login`'s password through a one-time link, as an invitation would.
    static func setPassword(_ login: String, db: TestDatabase, store: FundStore) throws {
        let link = try db.invitationLink(for: login)
        _ = try store.acceptCredentialLink(token: link, password: password)
    }

    static func portal(_ store: FundStore) async throws -> Portal {
        Portal(
            runner: StoreRunner(store: store, threads: 2), pages: try await Pages.load(utcOffsetMinutes: 180), configuration: WebConfiguration(),
            migrator: try SchemaFiles.migrator()
        )
    }

    /// The value of the cookie `name` set by `response`, with its attributes.
    static func setCookie(_ name: String, in response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }
    }

    static func cookieValue(_ header: String?) -> String? {
        header.flatMap { $0.split(separator: ";").first }.map { String($0.split(separator: "=", maxSplits: 1).last ?? "") }
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return ByteBuffer(string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&"))
    }

    /// Signs `login` in through the form; returns the session cookie's value.
    static func signIn(_ login: String, client: some TestClientProtocol) async throws -> String {
        let page = try await client.execute(uri: "/login", method: .get)
        let pair = try #require(cookieValue(setCookie("rrf_signin", in: page)))
        let response = try await client.execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rrf_signin=\(pair)"],
            body: form(["csrf": pair, "login": login, "password": password])
        )
        #expect(response.status == .seeOther)
        let cookie = try #require(setCookie("rrf_session", in: response))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
        return try #require(cookieValue(cookie))
    }

    @Test func anNGOOfficerSignsInSeesTheirProposalAndAnotherOrganisationsIsNotFound() async throws {
        try await withTestDatabase { db in
            let (store, reference) = try Self.fund(db)
            let app = Application(router: try await Self.portal(store).router())
            try await app.test(.router) { client in
                let login = try await client.execute(uri: "/login", method: .get)
                #expect(login.status == .ok)
                let csp = try #require(login.headers[.contentSecurityPolicy])
                #expect(!csp.contains("unsafe-inline") && csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"))
                #expect(String(buffer: login.body).contains("<label for=\"password\">"))

                let session = try await Self.signIn("ngo", client: client)
                let dashboard = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rrf_session=\(session)"])
                #expect(dashboard.status == .ok)
                #expect(String(buffer: dashboard.body).contains(reference))
                let page = try await client.execute(uri: "/proposals/\(reference)", method: .get, headers: [.cookie: "rrf_session=\(session)"])
                #expect(page.status == .ok)
                #expect(String(buffer: page.body).contains("Water &amp; &lt;care&gt;."))

                let beta = try await Self.signIn("beta", client: client)
                let hidden = try await client.execute(uri: "/proposals/\(reference)", method: .get, headers: [.cookie: "rrf_session=\(beta)"])
                let missing = try await client.execute(uri: "/proposals/RRF-2026-9999", method: .get, headers: [.cookie: "rrf_session=\(beta)"])
                #expect(hidden.status == .notFound && missing.status == .notFound)
                #expect(String(buffer: hidden.body) == String(buffer: missing.body))
                let betaDashboard = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rrf_session=\(beta)"])
                #expect(!String(buffer: betaDashboard.body).contains(reference))
            }
        }
    }

    @Test func errorAnswersCarryTheSecurityHeadersToo() async throws {
        try await withTestDatabase { db in
            let (store, _) = try Self.fund(db)
            let app = Application(router: try await Self.portal(store).router())
            try await app.test(.router) { client in
                let session = try await Self.signIn("ngo", client: client)
                let unknown = try await client.execute(uri: "/no/such/page", method: .get, headers: [.cookie: "rrf_session=\(session)"])
                let malformed = try await client.execute(
                    uri: "/proposals/RRF-2026-0001/withdraw", method: .post,
                    headers: [.cookie: "rrf_session=\(session)", .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "csrf=%zz&reason")
                )
                for response in [unknown, malformed] {
                    #expect(response.status.code >= 400 && response.status.code < 500, "\(response.status) \(String(buffer: response.body))")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                    #expect(response.headers[.cacheControl] == "no-store")
                }
            }
        }
    }

    @Test func formsNeedTheirCSRFTokenAndSignOutEndsTheSession() async throws {
        try await withTestDatabase { db in
            let (store, _) = try Self.fund(db)
            let app = Application(router: try await Self.portal(store).router())
            try await app.test(.router) { client in
                let forged = try await client.execute(
                    uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: Self.form(["login": "ngo", "password": Self.password])
                )
                #expect(forged.status == .forbidden)
                #expect(Self.setCookie("rrf_session", in: forged) == nil)
                let session = try await Self.signIn("ngo", client: client)
                let noToken = try await client.execute(
                    uri: "/logout", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rrf_session=\(session)"],
                    body: Self.form([:])
                )
                #expect(noToken.status == .forbidden)
                let dashboard = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rrf_session=\(session)"])
                let csrf = try #require(String(buffer: dashboard.body).components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix(64))
                let out = try await client.execute(
                    uri: "/logout", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rrf_session=\(session)"],
                    body: Self.form(["csrf": String(csrf)])
                )
                #expect(out.status == .seeOther)
                let after = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rrf_session=\(session)"])
                #expect(after.status == .seeOther && after.headers[.location] == "/login")
            }
        }
    }

    @Test func aWrongPasswordIsRefusedBesideTheFormAndTheHealthCheckAnswers() async throws {
        try await withTestDatabase { db in
            let (store, _) = try Self.fund(db, title: "<script>alert(1)</script>")
            let app = Application(router: try await Self.portal(store).router())
            try await app.test(.router) { client in
                let page = try await client.execute(uri: "/login", method: .get)
                let pair = try #require(Self.cookieValue(Self.setCookie("rrf_signin", in: page)))
                let refused = try await client.execute(
                    uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rrf_signin=\(pair)"],
                    body: Self.form(["csrf": pair, "login": "ngo", "password": "not the password at all"])
                )
                #expect(refused.status == .unauthorized)
                #expect(String(buffer: refused.body).contains("role=\"alert\""))
                #expect(!String(buffer: refused.body).contains("not the password at all"))
                let session = try await Self.signIn("ngo", client: client)
                let dashboard = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rrf_session=\(session)"])
                #expect(!String(buffer: dashboard.body).contains("<script>"))
                #expect(String(buffer: dashboard.body).contains("&lt;script&gt;"))
                let health = try await client.execute(uri: "/healthz", method: .get)
                #expect(health.status == .ok)
                let css = try await client.execute(uri: "/static/rrf.css", method: .get)
                #expect(css.headers[.cacheControl]?.contains("max-age") == true)
            }
        }
    }
}

/// The proposal form: saved as a draft, come back to, submitted; a refusal shows beside its field.
@Suite struct ProposalFormTests {
    @Test func anNGOOfficerSavesADraftComesBackAndSubmitsIt() async throws {
        try await withTestDatabase { db in
            let (store, _) = try PortalTests.fund(db)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let session = try await PortalTests.signIn("ngo", client: client)
                let cookie: HTTPFields = [.cookie: "rrf_session=\(session)", .contentType: "application/x-www-form-urlencoded"]
                let form = try await client.execute(uri: "/proposals/new", method: .get, headers: cookie)
                #expect(form.status == .ok)
                let html = String(buffer: form.body)
                let csrf = try #require(html.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix(64)).description
                for name in ["title", "summary", "beneficiaries", "duration_months", "requested", "description1", "amount1", "call"] {
                    #expect(html.contains("<label for=\"\(name)\">"), "no label for \(name)")
                }
                var fields = ["csrf": csrf, "action": "save", "call": "SA-1", "cluster": "health", "title": "Latrines in Dadaab", "beneficiaries": "2000"]
                let saved = try await client.execute(uri: "/proposals/new", method: .post, headers: cookie, body: PortalTests.form(fields))
                #expect(saved.status == .seeOther)
                let location = try #require(saved.headers[.location])
                #expect(location.hasPrefix("/drafts/"))
                let draftPage = try await client.execute(uri: location, method: .get, headers: cookie)
                #expect(String(buffer: draftPage.body).contains("value=\"Latrines in Dadaab\""))
                // Submitting without a budget is refused beside the form, and nothing is submitted.
                fields["action"] = "submit"
                fields["version"] = "1"
                let draftURI = String(location.split(separator: "?")[0])
                let refused = try await client.execute(uri: draftURI, method: .post, headers: cookie, body: PortalTests.form(fields))
                #expect(refused.status == .badRequest)
                #expect(String(buffer: refused.body).contains("role=\"alert\""))
                // What was typed is kept: the draft was saved before the submission was refused.
                let version = try #require(String(buffer: refused.body).components(separatedBy: "name=\"version\" value=\"").dropFirst().first?.prefix(1))
                #expect(version == "2")
                fields["version"] = String(version)
                fields.merge(["duration_months": "6", "requested": "1500", "description1": "Latrines", "amount1": "1500", "locations": "Dadaab"]) { $1 }
                let submitted = try await client.execute(uri: draftURI, method: .post, headers: cookie, body: PortalTests.form(fields))
                #expect(submitted.status == .seeOther)
                let reference = try #require(submitted.headers[.location]).replacingOccurrences(of: "/proposals/", with: "")
                #expect(try store.proposal(reference).title == "Latrines in Dadaab")
                #expect(try store.proposalDrafts().isEmpty)
                // Another organisation's user cannot open the draft page of this one (it is gone anyway) nor post to it.
                let beta = try await PortalTests.signIn("beta", client: client)
                let other = try await client.execute(uri: draftURI, method: .get, headers: [.cookie: "rrf_session=\(beta)"])
                #expect(other.status == .notFound)
            }
        }
    }
}

/// Reviewers in the portal: score on the call's scorecard, declare a conflict, and see the panel only after
/// their own scores are in.
@Suite struct ReviewPageTests {
    @Test func reviewersScoreDeclareAConflictAndReviewBlind() async throws {
        try await withTestDatabase { db in
            let (store, reference) = try PortalTests.fund(db)
            for login in ["rita", "rolf", "rosa"] {
                _ = try store.addUser(login: login, displayName: "Reviewer \(login)", roles: [.reviewer], as: "admin")
                try PortalTests.setPassword(login, db: db, store: store)
            }
            _ = try store.createCommittee(code: "PRC-H", call: "SA-1", cluster: .health, chair: "rita", quorum: 2, as: "sec")
            for login in ["rolf", "rosa"] { _ = try store.addCommitteeMember("PRC-H", member: login, as: "sec") }
            _ = try store.screenProposal(reference, passed: true, as: "sec")
            for login in ["rita", "rolf", "rosa"] { _ = try store.assignReviewer(reference, reviewer: login, as: "sec") }
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                func session(_ login: String) async throws -> HTTPFields {
                    [.cookie: "rrf_session=\(try await PortalTests.signIn(login, client: client))", .contentType: "application/x-www-form-urlencoded"]
                }
                func csrf(_ response: TestResponse) throws -> String {
                    try #require(String(buffer: response.body).components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix(64)).description
                }
                let rosa = try await session("rosa")
                let rosaPage = try await client.execute(uri: "/reviews/\(reference)", method: .get, headers: rosa)
                #expect(rosaPage.status == .ok)
                let declared = try await client.execute(
                    uri: "/reviews/\(reference)/conflict", method: .post, headers: rosa,
                    body: PortalTests.form(["csrf": try csrf(rosaPage), "reason": "I sit on its board."])
                )
                #expect(declared.status == .ok)
                #expect(try await client.execute(uri: "/proposals/\(reference)", method: .get, headers: rosa).status == .notFound)
                #expect(try await client.execute(uri: "/reviews/\(reference)", method: .get, headers: rosa).status == .notFound)

                let rita = try await session("rita")
                let ritaPage = try await client.execute(uri: "/reviews/\(reference)", method: .get, headers: rita)
                let form = String(buffer: ritaPage.body)
                #expect(form.contains("<label for=\"score-relevance\">") && !form.contains(">The panel<"))
                var scores = ["csrf": try csrf(ritaPage), "comments": "Sound plan."]
                for criterion in ["relevance", "feasibility", "value_for_money", "capacity"] { scores["score_\(criterion)"] = "4" }
                let submitted = try await client.execute(uri: "/reviews/\(reference)/scores", method: .post, headers: rita, body: PortalTests.form(scores))
                #expect(submitted.status == .seeOther)
                let after = try await client.execute(uri: "/reviews/\(reference)", method: .get, headers: rita)
                #expect(String(buffer: after.body).contains(">The panel<"))

                // Blind: before scoring, rolf sees the form and not rita's total.
                let rolf = try await session("rolf")
                let rolfPage = String(buffer: try await client.execute(uri: "/reviews/\(reference)", method: .get, headers: rolf).body)
                #expect(rolfPage.contains("score-relevance") && !rolfPage.contains("Reviewer rita"))
            }
        }
    }
}
