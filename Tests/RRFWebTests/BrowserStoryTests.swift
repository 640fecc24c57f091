import Foundation
import Hummingbird
import HummingbirdTesting
import RRFStore
import RRFTestSupport
import RRFWeb
import RRFWorkflow
import Testing

/// The portal's story in a real Chromium, with JavaScript on and off (Tools/browser_story.py, selenium):
/// an invited NGO officer sets a password, signs in, saves a draft and submits; three reviewers are assigned,
/// one declares a conflict and then cannot score, two score; the fund asks for a revision and the NGO
/// resubmits; a user of another organisation gets "not found". The portal runs on a real port over a real
/// PostgreSQL; what the staff do between the phases goes through the store, as rrfctl would.
///
/// Screenshots of every step go to `$RRF_SCREENSHOTS/javascript-on|off` (default `.build/browser-screenshots`).
/// Without Chromium, chromedriver or selenium the test is skipped, unless `CI` or `RRF_BROWSER_TESTS` is set:
/// then it fails, so CI cannot pass without it. The stories run one at a time (`.serialized`, the staff's story
/// included, in StaffBrowserStoryTests.swift): several Chromiums at once starve a 2-core machine.
@Suite(.serialized) struct BrowserStoryTests {
    static let tools = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Tools")
    static let environment = ProcessInfo.processInfo.environment
    static let required = environment["CI"] != nil || environment["RRF_BROWSER_TESTS"] != nil
    static let available = ["/usr/bin/chromium", "/usr/bin/chromedriver"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
        && (try? run(["python3", "-c", "import selenium"]).status) == 0
    static let screenshots = environment["RRF_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
        ?? tools.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/browser-screenshots")

    static let password = "Seventeen field offices, one fund"

    @Test(.enabled(if: available || required, "needs chromium, chromium-driver and selenium (set CI or RRF_BROWSER_TESTS to require them)"),
          arguments: [true, false])
    func theStoryInChromium(javascript: Bool) async throws {
        try #require(Self.available, "Chromium, chromedriver (apt-get install chromium chromium-driver) or selenium (pip install selenium) is missing")
        try await withTestDatabase { db in
            let store = try Self.fund(db)
            let portal = try await PortalTests.portal(store)
            let app = Application(router: portal.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))"
                let folder = Self.screenshots.appendingPathComponent(javascript ? "javascript-on" : "javascript-off")
                try? FileManager.default.removeItem(at: folder)
                func phase(_ name: String, _ facts: [String: Any]) async throws -> [String: String] {
                    try await Self.browser(phase: name, base: base, javascript: javascript, folder: folder, facts: facts)
                }

                _ = try store.inviteUser("nadia", baseURL: base, as: "admin")
                let link = try #require(try store.mailbox("nadia").first { $0.subject.contains("invited") }?.body
                    .split(separator: "\n").first { $0.contains("/invitation/") })
                let title = "Hygiene kits for Dadaab"
                let applied = try await phase("apply", ["invitation": String(link).replacingOccurrences(of: base, with: ""), "login": "nadia", "password": Self.password, "title": title])
                let reference = try #require(applied["reference"])
                let submitted = try store.proposal(reference)
                #expect(submitted.state == "submitted" && submitted.title == title && submitted.budgetLines.count == 2)

                _ = try store.screenProposal(reference, passed: true, as: "sec")
                for login in ["rita", "rolf", "rosa"] { _ = try store.assignReviewer(reference, reviewer: login, as: "sec") }
                _ = try await phase("review", [
                    "reference": reference, "conflicted": ["login": "rosa", "password": Self.password],
                    "reviewers": [["login": "rita", "password": Self.password, "score": "4"], ["login": "rolf", "password": Self.password, "score": "3"]],
                ])
                let reviews = try store.reviews(ReviewFilter(reference: reference))
                #expect(reviews.filter { $0.state == "submitted" }.count == 2)
                #expect(reviews.first { $0.reviewer == "rosa" }?.state != "submitted")

                _ = try store.aggregateReviews(reference, as: "sec")
                let reason = "Show how the kits reach households outside the camps."
                _ = try store.decideProposal(reference, .requestRevision(reason: reason), as: "fm")
                _ = try await phase("revise", [
                    "reference": reference, "login": "nadia", "password": Self.password, "title": title, "reason": reason,
                    "other": ["login": "bashir", "password": Self.password],
                ])
                let resubmitted = try store.proposal(reference)
                #expect(resubmitted.state == "resubmitted" && resubmitted.round == 2 && resubmitted.title == "\(title) (revised)")
                let pictures = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                #expect(pictures.filter { $0.hasSuffix(".png") }.count == 16, "screenshots: \(pictures.sorted())")
            }
        }
    }

    /// The fund of the story (`committee`: with the health committee formed): staff, two partners (Nadia of NGO-ALPHA is invited during the story, Bashir of
    /// NGO-BETA has a password), an open call with money for health, and a health committee of three reviewers.
    static func fund(_ db: TestDatabase, committee: Bool = true) throws -> FundStore {
        let store = FundStore(pool: db.pool())
        _ = try store.addUser(login: "admin", displayName: "Ada Admin", roles: [.admin], as: nil)
        _ = try store.addUser(login: "sec", displayName: "Sam Secretariat", roles: [.secretariat], as: "admin")
        _ = try store.addUser(login: "fm", displayName: "Fatima Manager", roles: [.fundManager], as: "admin")
        for (code, name) in [("NGO-ALPHA", "Alpha Relief"), ("NGO-BETA", "Beta Aid")] {
            _ = try store.registerOrganisation(code: code, name: name, country: "KE", as: "sec")
            _ = try store.assessOrganisation(code, risk: .low, dueDiligenceExpires: LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 300), as: "sec")
        }
        _ = try store.addUser(login: "nadia", displayName: "Nadia Hassan", email: "nadia@alpha.example", roles: [.ngoUser], organisations: ["NGO-ALPHA"], as: "admin")
        _ = try store.addUser(login: "bashir", displayName: "Bashir Ali", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
        for login in ["rita", "rolf", "rosa"] {
            _ = try store.addUser(login: login, displayName: "Reviewer \(login.capitalized)", roles: [.reviewer], as: "admin")
        }
        for login in ["bashir", "rita", "rolf", "rosa"] {
            _ = try store.acceptCredentialLink(token: try db.invitationLink(for: login), password: password)
        }
        let usd = try Currency(code: "USD")
        let configuration = CallConfiguration(
            title: "Floods in the north", kind: .standard, currency: usd, envelopes: [.health: Money(minorUnits: 10_000_000, currency: usd)],
            perProposalCeiling: Money(minorUnits: 5_000_000, currency: usd), submissionDeadline: Date().addingTimeInterval(20 * 86_400),
            reviewDeadline: Date().addingTimeInterval(30 * 86_400), decisionSLA: .businessDays(10), scorecard: CallDefaults.scorecard
        )
        _ = try store.createCall(code: "SA-1", configuration: configuration, as: "sec")
        _ = try store.openCall("SA-1", as: "sec")
        if committee {
            _ = try store.createCommittee(code: "PRC-H", call: "SA-1", cluster: .health, chair: "rita", quorum: 2, as: "sec")
            for login in ["rolf", "rosa"] { _ = try store.addCommitteeMember("PRC-H", member: login, as: "sec") }
        }
        return store
    }

    /// Runs one phase of Tools/browser_story.py; returns the facts it printed.
    static func browser(phase: String, base: String, javascript: Bool, folder: URL, facts: [String: Any]) async throws -> [String: String] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: facts), as: UTF8.self)
        let arguments = [
            "python3", tools.appendingPathComponent("browser_story.py").path, "--base", base, "--phase", phase,
            "--javascript", javascript ? "on" : "off", "--screenshots", folder.path, "--facts", json,
        ]
        // A thread of its own: the browser takes seconds, which must not hold one of the cooperative pool's threads.
        let (status, output) = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(arguments) }) }.start()
        }
        try #require(status == 0, "the \(phase) phase failed (screenshots in \(folder.path)):\n\(output)")
        let last = output.split(separator: "\n").last.map(String.init) ?? "{}"
        return (try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: String]) ?? [:]
    }

    /// Runs a command to its end; its exit status and what it printed (both streams).
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
