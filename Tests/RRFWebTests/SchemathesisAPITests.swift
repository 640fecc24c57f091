import Foundation
import Hummingbird
import HummingbirdTesting
import RRFStore
import RRFTestSupport
@testable import RRFWeb
import RRFWorkflow
import Testing

/// schemathesis (PyPI) against the API on a real port: for each role's token (every role, the administrator last) it
/// generates requests from openapi.json (valid and invalid) and checks that no answer is a 5xx, that every answer
/// matches the document (status, content type, headers, schema) and that what the document forbids is refused.
/// Skipped without schemathesis, unless `CI` or `RRF_BROWSER_TESTS` is set: then it fails, so CI cannot pass without
/// it. It runs in the serialized suite of the browser stories (never beside a Chromium) and waits for the document
/// up to two minutes: on a loaded 2-core machine its first request took over schemathesis' 10 seconds.
extension BrowserStoryTests {
    static let schemathesisAvailable = (try? BrowserStoryTests.run(["schemathesis", "--version"]).status) == 0

    @Test(.enabled(if: schemathesisAvailable || BrowserStoryTests.required, "needs schemathesis (pip install schemathesis; set CI or RRF_BROWSER_TESTS to require it)"))
    func schemathesisFindsNoFaultForAnyRole() async throws {
        try #require(Self.schemathesisAvailable, "schemathesis is missing (pip install schemathesis)")
        try await withTestDatabase { db in
            // The administrator runs last: deactivating the document's example login must not stop the others' runs.
            let logins = ["nadia", "rita", "sec", "fm", "fin", "tara", "admin"]
            let (store, _) = try APITests.fund(db, tokens: [])
            _ = try store.addUser(login: "tara", displayName: "Tara Trainer", roles: [.trainer], as: "admin")
            let tokens = Dictionary(uniqueKeysWithValues: try logins.map { ($0, try store.createAPIToken(label: "api tests", days: 1, as: $0).secret) })
            // Records for the generated requests to find (the document's examples): RRF-2026-0001 a signed grant,
            // RRF-2026-0002 a submitted proposal, PSEA a course, TS-1 a closed session with its certificate TC-1, TS-2
            // a scheduled one, and a draft.
            let today = LocalDate(Date(), utcOffsetMinutes: 0)
            _ = try APITests.signedGrant(store, title: "Latrines", start: today)
            _ = try store.submitProposal(
                ProposalSubmission(
                    organisation: "NGO-ALPHA", call: "SA-1", cluster: "health", title: "Wells", summary: "Wells and pumps.", locations: ["Dadaab"],
                    beneficiaries: 2000, requested: "1500 USD", durationMonths: 6, budgetLines: [.init(description: "Wells", amount: "1500 USD")]
                ),
                as: "nadia"
            )
            _ = try store.saveProposalDraft(
                nil, ProposalSubmission(organisation: "NGO-ALPHA", call: "SA-1", cluster: "health", title: "Clinics", locations: [], beneficiaries: 0, requested: "", durationMonths: 0, budgetLines: []),
                as: "nadia"
            )
            _ = try store.addTrainingCourse(code: "PSEA", title: "Protection from sexual exploitation and abuse", validityMonths: 24, as: "sec")
            for _ in 1...2 { _ = try store.scheduleTrainingSession(course: "PSEA", startDate: today, endDate: today, place: "Garissa", trainer: "tara", capacity: 20, as: "tara") }
            _ = try store.recordAttendance(session: "TS-1", ParticipantInput(name: "Amina Yusuf", organisation: "NGO-ALPHA", passed: true), as: "tara")
            _ = try store.recordTrainingSessionHeld("TS-1", as: "tara")
            _ = try store.closeTrainingSession("TS-1", as: "tara")
            let portal = try await PortalTests.portal(store)
            let app = Application(router: portal.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))\(Portal.apiBase)"
                for login in logins {
                    let arguments = [
                        "schemathesis", "run", "\(base)/openapi.json", "--url", base, "--header", "Authorization: Bearer \(try #require(tokens[login]))",
                        "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--max-examples", "25", "--seed", "16", "--workers", "1",
                        "--generation-database", "none", "--no-color", "--suppress-health-check", "all", "--wait-for-schema", "120",
                        "--request-timeout", "60",
                    ]
                    // A thread of its own: the run takes seconds, which must not hold one of the cooperative pool's threads.
                    let (status, output) = try await withCheckedThrowingContinuation { continuation in
                        Thread { continuation.resume(with: Result { try BrowserStoryTests.run(arguments) }) }.start()
                    }
                    #expect(status == 0, "schemathesis as \(login):\n\(output)")
                }
            }
        }
    }
}
