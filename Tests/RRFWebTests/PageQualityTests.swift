import Foundation
import Hummingbird
import HummingbirdTesting
import RRFStore
import RRFTestSupport
import RRFWeb
import RRFWorkflow
import Testing

/// Every page of the portal: valid HTML5 (html5lib's strict parser, from PyPI), every control labelled, and
/// within the field budget (first load with the stylesheet ≤ 100 KB, a page after that ≤ 30 KB).
@Suite struct PageQualityTests {
    @Test func everyPageIsValidLabelledAndWithinItsBudget() async throws {
        try await withTestDatabase { db in
            let (store, reference) = try PortalTests.fund(db)
            _ = try store.addUser(login: "rita", displayName: "Reviewer rita", roles: [.reviewer], as: "admin")
            try PortalTests.setPassword("rita", db: db, store: store)
            _ = try store.createCommittee(code: "PRC-H", call: "SA-1", cluster: .health, chair: "rita", quorum: 1, as: "sec")
            _ = try store.screenProposal(reference, passed: true, as: "sec")
            _ = try store.assignReviewer(reference, reviewer: "rita", as: "sec")
            _ = try store.addTrainingCourse(code: "PSEA", title: "Protection from sexual exploitation and abuse", validityMonths: 24, as: "sec")
            _ = try store.setCallTrainingRequirement(call: "SA-1", course: "PSEA", minimumStaff: 2, as: "sec")
            let app = Application(router: try await PortalTests.portal(store).router())
            let pages: [(String, String, Int)] = try await app.test(.router) { client in
                var pages: [(String, String, Int)] = []
                func keep(_ name: String, _ uri: String, session: String?) async throws {
                    let response = try await client.execute(uri: uri, method: .get, headers: session.map { [.cookie: "rrf_session=\($0)"] } ?? [:])
                    pages.append((name, String(buffer: response.body), response.status.code))
                }
                try await keep("login", "/login", session: nil)
                try await keep("password-reset", "/password-reset", session: nil)
                try await keep("set-password", "/invitation/rrfl_unknown", session: nil)
                let ngo = try await PortalTests.signIn("ngo", client: client)
                try await keep("dashboard-ngo", "/", session: ngo)
                try await keep("calls", "/calls", session: ngo)
                try await keep("proposal", "/proposals/\(reference)", session: ngo)
                try await keep("proposal-form", "/proposals/new", session: ngo)
                try await keep("not-found", "/proposals/RRF-2026-9999", session: ngo)
                try await keep("notifications", "/notifications", session: ngo)
                let rita = try await PortalTests.signIn("rita", client: client)
                try await keep("dashboard-reviewer", "/", session: rita)
                try await keep("review", "/reviews/\(reference)", session: rita)
                try await keep("stylesheet", "/static/rrf.css", session: nil)
                return pages
            }
            let css = try #require(pages.first { $0.0 == "stylesheet" }).1
            #expect(try #require(pages.first { $0.0 == "calls" }).1.contains("Protection from sexual exploitation and abuse: at least 2 staff"))
            for (name, _, status) in pages where name != "stylesheet" {
                #expect(status == 200 || name == "not-found", "\(name) answered \(status)")
            }
            try Self.expectValid(pages.filter { $0.0 != "stylesheet" }.map { ($0.0, $0.1) }, stylesheet: css)
        }
    }

    /// Expects each page within the budget with `stylesheet`, valid HTML5 and every control labelled
    /// (Tools/check_pages.py).
    static func expectValid(_ pages: [(name: String, html: String)], stylesheet css: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try withScratchFolder { folder in
            var files: [String] = []
            for (name, html) in pages {
                #expect(html.utf8.count + css.utf8.count <= 100_000, "\(name): \(html.utf8.count + css.utf8.count) bytes on first load", sourceLocation: sourceLocation)
                #expect(html.utf8.count <= 30_000, "\(name): \(html.utf8.count) bytes", sourceLocation: sourceLocation)
                let file = folder.appendingPathComponent("\(name).html")
                try html.write(to: file, atomically: true, encoding: .utf8)
                files.append(file.path)
            }
            let checker = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Tools/check_pages.py").path
            let (status, text) = try BrowserStoryTests.run(["python3", checker] + files)
            #expect(status == 0, "\(text)", sourceLocation: sourceLocation)
        }
    }
}