import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import RRFStore
import RRFTestSupport
import RRFWeb
import RRFWorkflow
import Testing

/// The fund staff's pages over a real PostgreSQL: screening and panels (secretariat), ranking and decisions (fund
/// manager), signature and tranche approval, release with an idempotency key per form (finance officer), the
/// ledger, key figures and downloads; each refusal shown beside its form, changing nothing.
@Suite struct StaffPagesTests {
    /// The portal's fund with a committee, a fund manager who may also release, and a second finance officer;
    /// the sessions of the staff (the money roles sign in with a recovery code).
    static func fund(_ db: TestDatabase) throws -> (store: FundStore, reference: String, sessions: [String: String]) {
        let (store, reference) = try ApplicantPagesTests.fundWithStaff(db)
        _ = try store.editUser("fm", UserChanges(roles: [.fundManager, .financeOfficer]), as: "admin")
        _ = try store.addUser(login: "rita", displayName: "Reviewer Rita", roles: [.reviewer], as: "admin")
        _ = try store.createCommittee(code: "PRC-H", call: "SA-1", cluster: .health, chair: "rita", quorum: 1, as: "sec")
        _ = try store.addUser(login: "tina", displayName: "Tina Trainer", roles: [.trainer], as: "admin")
        var sessions: [String: String] = [:]
        for login in ["admin", "sec", "fm", "fin", "rita", "tina"] {
            let enrolment = try store.acceptCredentialLink(token: try db.invitationLink(for: login), password: PortalTests.password)
            sessions[login] = try store.signIn(login: login, password: PortalTests.password, code: enrolment?.recoveryCodes.first, label: "web").secret
        }
        sessions["ngo"] = try store.signIn(login: "ngo", password: PortalTests.password).secret
        return (store, reference, sessions)
    }

    /// `path`'s page for the session; its status and HTML.
    static func page(_ path: String, _ session: String, client: some TestClientProtocol) async throws -> (HTTPResponse.Status, String) {
        let response = try await client.execute(uri: path, method: .get, headers: [.cookie: "rrf_session=\(session)"])
        return (response.status, String(buffer: response.body))
    }

    /// Sends a form as the session's person, with their CSRF token (read from their dashboard's sign-out form).
    static func send(_ path: String, _ fields: [String: String], _ session: String, client: some TestClientProtocol) async throws -> (HTTPResponse.Status, String) {
        let dashboard = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rrf_session=\(session)"])
        let csrf = try ApplicantPagesTests.csrf(dashboard)
        let response = try await client.execute(
            uri: path, method: .post, headers: ApplicantPagesTests.headers(session), body: PortalTests.form(fields.merging(["csrf": csrf]) { $1 })
        )
        return (response.status, String(buffer: response.body))
    }

    @Test func theSecretariatScreensWithAReasonAndFormsThePanel() async throws {
        try await withTestDatabase { db in
            let (store, reference, sessions) = try Self.fund(db)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let sec = sessions["sec"]!
                let (status, queue) = try await Self.page("/screening", sec, client: client)
                #expect(status == .ok && queue.contains("Pass screening of \(reference)"))
                let noReason = try await Self.send("/proposals/\(reference)/screening", ["outcome": "fail", "reason": " "], sec, client: client)
                #expect(noReason.0 == .badRequest && noReason.1.contains("role=\"alert\""))
                #expect(try store.proposal(reference).state == "submitted")
                let stranger = try await Self.send("/proposals/\(reference)/screening", ["outcome": "pass"], sessions["ngo"]!, client: client)
                #expect(stranger.0 == .forbidden)
                #expect(try store.proposal(reference).state == "submitted")
                let passed = try await Self.send("/proposals/\(reference)/screening", ["outcome": "pass"], sec, client: client)
                #expect(try passed.0 == .seeOther && (store.proposal(reference).state) == "in_review")
                let panel = try await Self.page("/screening", sec, client: client).1
                #expect(panel.contains("Reviewer Rita (rita) — 0 open reviews"))
                let assigned = try await Self.send("/proposals/\(reference)/reviewers", [:], sec, client: client)
                #expect(assigned.0 == .seeOther)
                #expect(try store.reviews(ReviewFilter(reference: reference)).map(\.reviewer) == ["rita"])

                let badQuorum = try await Self.send("/committees", ["code": "PRC-W", "cluster": "health", "call": "SA-1", "quorum": "three"], sec, client: client)
                #expect(badQuorum.0 == .badRequest && badQuorum.1.contains("The quorum &quot;three&quot; is not a whole number") && badQuorum.1.contains("value=\"PRC-W\""))
                #expect(try store.committees().count == 1)
                let member = try await Self.send("/committees/PRC-H/members", ["member": "nobody"], sec, client: client)
                #expect(member.0 == .badRequest || member.0 == .notFound)
                #expect(try store.committee("PRC-H").members.count == 1)
            }
        }
    }

    /// A register longer than its page (500) says so and links to the rest, which starts right after the last shown.
    @Test func theRegisterOfALongListIsShownAPageAtATime() async throws {
        try await withTestDatabase { db in
            let (store, _, sessions) = try Self.fund(db)
            let connection = try db.connect()
            defer { connection.close() }
            try connection.query("INSERT INTO organisations (id, code, name, country) SELECT gen_random_uuid(), 'ZZ-' || lpad(i::text, 4, '0'), 'Partner ' || i, 'KE' FROM generate_series(1, 520) i")
            let codes = try store.organisations(limit: 1000).map(\.code)
            #expect(codes.count == 522)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let (status, first) = try await Self.page("/organisations", sessions["sec"]!, client: client)
                #expect(status == .ok && first.contains("Showing 500 of 522."))
                let next = try #require(first.firstMatch(of: #/href="/organisations\?after=([A-Za-z0-9_-]+)" rel="next"/#)?.output.1)
                let (_, second) = try await Self.page("/organisations?after=\(next)", sessions["sec"]!, client: client)
                #expect(second.contains("Showing 22 of 522.") && second.contains(">First page</a>"))
                #expect(second.contains(codes[500]) && !second.contains(codes[499]) && second.contains(codes[521]))
                let (refused, _) = try await Self.page("/organisations?after=%22", sessions["sec"]!, client: client)
                #expect(refused == .badRequest)
            }
        }
    }

    @Test func theFundManagerDecidesWithinTheEnvelopeAndTheFinanceOfficerPaysOnce() async throws {
        try await withTestDatabase { db in
            let (store, reference, sessions) = try Self.fund(db)
            try ApplicantPagesTests.markScored(reference, db: db)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let fm = sessions["fm"]!, fin = sessions["fin"]!
                let ranking = try await Self.page("/calls/SA-1/ranking", fm, client: client)
                #expect(ranking.0 == .ok)
                // One funded cluster a page; an unknown cluster or page falls back to the first of each.
                #expect(ranking.1.contains("aria-current=\"page\">Health ("))
                let fallback = try await Self.page("/calls/SA-1/ranking?cluster=nonsense&page=99", fm, client: client)
                #expect(fallback.0 == .ok && fallback.1.contains("<h2>Health</h2>"))
                let (formStatus, form) = try await Self.page("/proposals/\(reference)/decision", fm, client: client)
                #expect(formStatus == .ok && form.contains("100,000.00 USD") && form.contains("<dd>100,000.00 USD</dd>"))
                let version = "\(try store.proposal(reference).version)"
                let tooMuch = try await Self.send(
                    "/proposals/\(reference)/decision", ["outcome": "approve", "amount": "1500", "justification": "Good", "version": version], fm, client: client
                )
                #expect(tooMuch.0 == .badRequest && tooMuch.1.contains("value=\"1500\"") && tooMuch.1.contains("role=\"alert\""))
                #expect(try store.proposal(reference).state == "scored")
                let approved = try await Self.send(
                    "/proposals/\(reference)/decision", ["outcome": "approve", "amount": "800", "justification": "Good value", "version": version], fm, client: client
                )
                #expect(try approved.0 == .seeOther && (store.proposal(reference).approved?.minorUnits) == 80_000)

                let unsigned = try await Self.send("/grants/\(reference)/signature", ["signatory": " "], fm, client: client)
                #expect(unsigned.0 == .badRequest)
                let signed = try await Self.send("/grants/\(reference)/signature", ["signatory": "Amina Yusuf"], fm, client: client)
                #expect(try signed.0 == .seeOther && (store.grant(reference).state) == "active")
                _ = try await Self.send("/grants/\(reference)/evaluation", [:], fm, client: client)
                let tranche = try #require(try store.tranches(reference).first)
                #expect(tranche.state == "ready")
                let approval = try await Self.send("/grants/\(reference)/tranches/1/approval", ["version": "\(tranche.version)"], fm, client: client)
                #expect(try approval.0 == .seeOther && (store.tranches(reference).first?.state) == "approved")

                let desk = try await Self.page("/tranches", fin, client: client).1
                let key = try #require(desk.components(separatedBy: "name=\"key\" value=\"").dropFirst().first?.prefix(36)).description
                let fields = ["amount": tranche.amount.description, "key": key]
                let own = try await Self.send("/grants/\(reference)/tranches/1/release", fields.merging(["key": UUID().uuidString]) { $1 }, fm, client: client)
                #expect(own.0 == .badRequest && own.1.contains("cannot also release it"))
                let first = try await Self.send("/grants/\(reference)/tranches/1/release", fields, fin, client: client)
                let again = try await Self.send("/grants/\(reference)/tranches/1/release", fields, fin, client: client)
                #expect(first.0 == .ok && first.1.contains("is released"))
                #expect(again.0 == .ok && again.1.contains("nothing was paid again"))
                #expect(try store.ledgerBalances().filter { $0.code == "released:\(reference)" }.map(\.balance.minorUnits) == [tranche.amount.minorUnits])
                let ledger = try await Self.page("/ledger", fin, client: client)
                #expect(ledger.0 == .ok && !ledger.1.contains("The ledger verifies") && ledger.1.contains("/ledger?verify=yes"))
                #expect(try await Self.page("/ledger?verify=yes", fin, client: client).1.contains("The ledger verifies"))
                let depositKey = try #require(ledger.1.components(separatedBy: "name=\"key\" value=\"").dropFirst().first?.prefix(36)).description
                let envelope = { try store.ledgerBalances().first { $0.code == "envelope:SA-1:health" }?.balance.minorUnits ?? 0 }
                let funded = try envelope()
                let deposit = ["envelope": "SA-1/health", "donor": "ECHO", "amount": "2500", "key": depositKey]
                let noDonor = try await Self.send("/ledger/deposits", deposit.merging(["donor": ""]) { $1 }, fin, client: client)
                #expect(try noDonor.0 == .badRequest && noDonor.1.contains("value=\"2500\"") && envelope() == funded)
                for _ in 0..<2 {
                    let deposited = try await Self.send("/ledger/deposits", deposit, fin, client: client)
                    #expect(deposited.0 == .ok && deposited.1.contains("2,500.00 USD is deposited into envelope:SA-1:health"))
                }
                #expect(try envelope() == funded + 250_000, "the form sent twice deposits once")
            }
        }
    }

    @Test func keyFiguresDrawTheirChartsAndDownloadsAreTheFundsOwn() async throws {
        try await withTestDatabase { db in
            let (store, reference, sessions) = try Self.fund(db)
            try ApplicantPagesTests.markScored(reference, db: db)
            _ = try store.decideProposal(reference, .reject(justification: "Outside the call's priorities"), as: "fm")
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let (status, kpis) = try await Self.page("/kpis", sessions["fin"]!, client: client)
                #expect(status == .ok && kpis.contains("<svg") && kpis.contains("Health") && kpis.contains("0 % (0/1)"))
                let csv = try await client.execute(uri: "/exports/proposals.csv", method: .get, headers: [.cookie: "rrf_session=\(sessions["fin"]!)"])
                #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(String(buffer: csv.body).contains(reference))
                let iati = try await client.execute(uri: "/exports/iati.xml", method: .get, headers: [.cookie: "rrf_session=\(sessions["fin"]!)"])
                #expect(iati.status == .ok && String(buffer: iati.body).contains("<iati-activities"))
                for path in ["/kpis", "/exports/proposals.csv", "/exports/iati.xml", "/ledger"] {
                    let refused = try await Self.page(path, sessions["ngo"]!, client: client)
                    #expect(refused.0 == .notFound || refused.0 == .forbidden, "\(path) answered \(refused.0) to an NGO user")
                }
                #expect(try await Self.page("/exports/secrets.csv", sessions["fin"]!, client: client).0 == .notFound)
            }
        }
    }

    @Test func theRegisterAndThePeopleAreKeptFromTheBrowser() async throws {
        try await withTestDatabase { db in
            let (store, _, sessions) = try Self.fund(db)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let sec = sessions["sec"]!, admin = sessions["admin"]!
                let badCountry = try await Self.send("/organisations", ["code": "NGO-GAMMA", "name": "Gamma Care", "country": "Kenya"], sec, client: client)
                #expect(badCountry.0 == .badRequest && badCountry.1.contains("value=\"Gamma Care\"") && badCountry.1.contains("role=\"alert\""))
                #expect(try store.organisations().count == 2)
                let registered = try await Self.send("/organisations", ["code": "NGO-GAMMA", "name": "Gamma Care", "country": "KE"], sec, client: client)
                #expect(registered.0 == .seeOther)
                let expires = LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 200).description
                let assessed = try await Self.send("/organisations/NGO-GAMMA/assessment", ["risk": "high", "expires": expires], sec, client: client)
                #expect(try assessed.0 == .seeOther && store.organisation("NGO-GAMMA").risk == .high)
                let unexplained = try await Self.send("/organisations/NGO-GAMMA/suspension", ["reason": ""], sec, client: client)
                #expect(try unexplained.0 == .badRequest && store.organisation("NGO-GAMMA").state != "suspended")
                let byNGO = try await Self.send("/organisations/NGO-GAMMA/suspension", ["reason": "Mischief"], sessions["ngo"]!, client: client)
                #expect(try byNGO.0 == .forbidden && store.organisation("NGO-GAMMA").state != "suspended")
                #expect(try await Self.page("/organisations", sec, client: client).1.contains("NGO-GAMMA: Gamma Care"))

                let noName = try await Self.send("/users", ["login": "omar", "name": "", "role": "ngo_user", "organisation": "NGO-GAMMA"], admin, client: client)
                #expect(noName.0 == .badRequest && noName.1.contains("value=\"omar\""))
                #expect(throws: StoreError.self) { try store.user("omar") }
                let bySecretariat = try await Self.send("/users", ["login": "omar", "name": "Omar Said", "role": "ngo_user", "organisation": "NGO-GAMMA"], sec, client: client)
                #expect(bySecretariat.0 == .forbidden)
                let added = try await Self.send(
                    "/users", ["login": "omar", "name": "Omar Said", "email": "omar@gamma.example", "role": "ngo_user", "organisation": "NGO-GAMMA"], admin, client: client
                )
                #expect(added.0 == .seeOther)
                #expect(try store.user("omar").organisations == ["NGO-GAMMA"] && store.user("omar").roles == [.ngoUser])
                #expect(try store.mailbox("omar").contains { $0.subject.contains("invited") })
                let people = try await Self.page("/users", admin, client: client).1
                #expect(people.contains("Omar Said") && !people.contains("rrfl_"))
            }
        }
    }

    @Test func aTrainerUploadsTheSignInSheetAndClosesTheSession() async throws {
        try await withTestDatabase { db in
            let (store, _, sessions) = try Self.fund(db)
            let today = LocalDate(Date(), utcOffsetMinutes: 0)
            _ = try store.addTrainingCourse(code: "PSEA", title: "Protection from sexual exploitation and abuse", validityMonths: 24, as: "sec")
            let session = try store.scheduleTrainingSession(
                course: "PSEA", startDate: today.adding(days: -1), endDate: today.adding(days: -1), place: "Garissa", trainer: "tina", capacity: 20, as: "sec"
            ).reference
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let tina = sessions["tina"]!
                func upload(_ sheet: String) async throws -> (HTTPResponse.Status, String) {
                    let dashboard = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rrf_session=\(tina)"])
                    let boundary = "----rrf\(UUID().uuidString)"
                    let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(try ApplicantPagesTests.csrf(dashboard))\r\n"
                        + "--\(boundary)\r\nContent-Disposition: form-data; name=\"sheet\"; filename=\"sheet.csv\"\r\nContent-Type: text/csv\r\n\r\n\(sheet)\r\n--\(boundary)--\r\n"
                    let response = try await client.execute(
                        uri: "/training/sessions/\(session)/attendance", method: .post,
                        headers: [.cookie: "rrf_session=\(tina)", .contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: body)
                    )
                    return (response.status, String(buffer: response.body))
                }
                let wrong = try await upload("name,organisation\nAmina Yusuf,NGO-NOWHERE\n")
                #expect(wrong.0 == .badRequest && wrong.1.contains("line 2"))
                #expect(try store.trainingAttendance(session: session).isEmpty)
                let sheet = "name,organisation,role,gender,attended,passed,score\nAmina Yusuf,NGO-ALPHA,Nurse,female,yes,yes,88\nJoseph Mwangi,NGO-ALPHA,Driver,male,yes,no,40\n"
                let uploaded = try await upload(sheet)
                #expect(uploaded.0 == .seeOther)
                #expect(try store.trainingAttendance(session: session).count == 2)
                let version = { try store.trainingSession(session).version }
                #expect(try await Self.send("/training/sessions/\(session)/held", ["version": "\(try version())"], tina, client: client).0 == .seeOther)
                #expect(try await Self.send("/training/sessions/\(session)/closing", ["version": "\(try version())"], tina, client: client).0 == .seeOther)
                let page = try await Self.page("/training/sessions/\(session)", tina, client: client).1
                #expect(page.contains("Amina Yusuf (NGO-ALPHA)") && !page.contains("Joseph Mwangi (NGO-ALPHA)"))
            }
        }
    }

    @Test func coursesAndSessionsAreAddedFromTheDesk() async throws {
        try await withTestDatabase { db in
            let (store, _, sessions) = try Self.fund(db)
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let sec = sessions["sec"]!
                let noMonths = try await Self.send("/training/courses", ["code": "PSEA", "title": "Safeguarding", "validity": "two years"], sec, client: client)
                #expect(try noMonths.0 == .badRequest && noMonths.1.contains("value=\"Safeguarding\"") && store.trainingCourses().isEmpty)
                #expect(try await Self.send("/training/courses", ["code": "PSEA", "title": "Safeguarding", "validity": "24"], sec, client: client).0 == .seeOther)
                let day = LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 10).description
                let session = ["course": "PSEA", "start": day, "end": "2026-02-30", "place": "Garissa", "trainer": "tina", "capacity": "25"]
                let impossible = try await Self.send("/training/sessions", session, sec, client: client)
                #expect(try impossible.0 == .badRequest && impossible.1.contains("value=\"Garissa\"") && store.trainingSessions().isEmpty)
                let scheduled = try await Self.send("/training/sessions", session.merging(["end": day]) { $1 }, sec, client: client)
                #expect(try scheduled.0 == .seeOther && store.trainingSessions().map(\.trainer) == ["tina"])
            }
        }
    }

    @Test func theSecretariatSetsUpACallWithEachRefusalBesideItsField() async throws {
        try await withTestDatabase { db in
            let (store, _, sessions) = try Self.fund(db)
            _ = try store.addTrainingCourse(code: "PSEA", title: "Protection from sexual exploitation and abuse", validityMonths: 24, as: "sec")
            let portal = try await PortalTests.portal(store)
            let app = Application(router: portal.router())
            try await app.test(.router) { client in
                let sec = sessions["sec"]!
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(secondsFromGMT: 180 * 60)
                formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
                let submission = formatter.string(from: Date().addingTimeInterval(20 * 86_400))
                let review = formatter.string(from: Date().addingTimeInterval(25 * 86_400))
                var fields = [
                    "code": "SA-2", "title": "Cholera in the east", "kind": "standard", "currency": "USD", "ceiling": "50000",
                    "envelopes[health]": "lots", "envelopes[wash]": "80000", "submissionDeadline": submission, "reviewDeadline": review,
                    "scorecard": "relevance; Relevance; 60; 5\ncapacity; Capacity; 40; 5", "passThreshold": "60", "commentFloor": "40",
                ]
                let badAmount = try await Self.send("/calls/setup", fields, sec, client: client)
                #expect(badAmount.0 == .badRequest && badAmount.1.contains("value=\"lots\"") && badAmount.1.contains("value=\"Cholera in the east\""))
                let envelopeError = try #require(badAmount.1.range(of: "role=\"alert\""))
                #expect(badAmount.1[..<envelopeError.lowerBound].contains("envelope-wash"), "the refusal stands beside the envelopes")
                fields["envelopes[health]"] = "120000"
                fields["reviewDeadline"] = formatter.string(from: Date().addingTimeInterval(10 * 86_400))
                let early = try await Self.send("/calls/setup", fields, sec, client: client)
                #expect(early.0 == .badRequest && early.1.contains("The review deadline must come after the submission deadline"))
                fields["reviewDeadline"] = review
                fields["scorecard"] = "relevance; Relevance; 50; 5"
                let weights = try await Self.send("/calls/setup", fields, sec, client: client)
                #expect(weights.0 == .badRequest && weights.1.contains("add up to 50, not 100"))
                #expect(throws: StoreError.self) { try store.call("SA-2") }
                fields["scorecard"] = "relevance; Relevance; 60; 5\ncapacity; Capacity; 40; 5"
                let byNGO = try await Self.send("/calls/setup", fields, sessions["ngo"]!, client: client)
                #expect(byNGO.0 == .forbidden)
                let created = try await Self.send("/calls/setup", fields, sec, client: client)
                #expect(created.0 == .seeOther)
                let call = try store.call("SA-2")
                #expect(call.state == "draft" && call.envelopes.map(\.amount.minorUnits).sorted() == [8_000_000, 12_000_000])
                #expect(formatter.string(from: call.configuration.submissionDeadline) == submission)
                fields["title"] = "Cholera in the east and north"
                fields["version"] = "\(call.version)"
                let edited = try await Self.send("/calls/SA-2/setup", fields, sec, client: client)
                #expect(try edited.0 == .seeOther && store.call("SA-2").configuration.title == "Cholera in the east and north")
                let training = try await Self.send("/calls/SA-2/training", ["course": "PSEA", "minimum": "2"], sec, client: client)
                #expect(try training.0 == .seeOther && store.trainingRequirements(call: "SA-2").map(\.minimumStaff) == [2])
                let opened = try await Self.send("/calls/SA-2/open", ["version": "\(try store.call("SA-2").version)"], sec, client: client)
                #expect(try opened.0 == .seeOther && store.call("SA-2").state == "open")
                let page = try await Self.page("/calls/SA-2/setup", sec, client: client).1
                #expect(page.contains("Close the call SA-2") && !page.contains("Save the changes"))
            }
        }
    }

    @Test func everyStaffPageIsValidLabelledAndWithinItsBudget() async throws {
        try await withTestDatabase { db in
            let (store, reference, sessions) = try Self.fund(db)
            _ = try store.addTrainingCourse(code: "PSEA", title: "Protection from sexual exploitation and abuse", validityMonths: 24, as: "sec")
            let session = try store.scheduleTrainingSession(
                course: "PSEA", startDate: LocalDate(Date(), utcOffsetMinutes: 0), endDate: LocalDate(Date(), utcOffsetMinutes: 0), place: "Garissa",
                trainer: "tina", capacity: 20, as: "sec"
            ).reference
            let app = Application(router: try await PortalTests.portal(store).router())
            let pages: [(name: String, html: String)] = try await app.test(.router) { client in
                var pages: [(name: String, html: String)] = []
                for (name, path, login) in [
                    ("screening", "/screening", "sec"), ("committees", "/committees", "sec"), ("ranking-index", "/ranking", "fm"),
                    ("ranking", "/calls/SA-1/ranking", "fm"), ("decision", "/proposals/\(reference)/decision", "fm"),
                    ("grant", "/grants/\(reference)", "fm"), ("tranches", "/tranches", "fin"), ("ledger", "/ledger", "fin"), ("kpis", "/kpis", "fin"),
                    ("organisations", "/organisations", "sec"), ("users", "/users", "admin"), ("training", "/training", "tina"),
                    ("training-session", "/training/sessions/\(session)", "tina"), ("call-setup-new", "/calls/setup", "sec"),
                    ("call-setup", "/calls/SA-1/setup", "sec"),
                ] {
                    let (status, html) = try await Self.page(path, sessions[login]!, client: client)
                    #expect(status == .ok, "\(name) answered \(status)")
                    pages.append((name, html))
                }
                return pages
            }
            let css = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Sources/RRFWeb/Static/rrf.css"), encoding: .utf8)
            try PageQualityTests.expectValid(pages, stylesheet: css)
        }
    }
}
