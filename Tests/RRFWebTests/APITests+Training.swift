import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RRFStore
import RRFTestSupport
@testable import RRFWeb
import RRFWorkflow
import Testing

extension APITests {
    /// The secretariat adds a course and sets requirements, a trainer runs a session from scheduled to closed with
    /// one participant, whose certificate the secretariat revokes, through the API; NGO users are refused and see
    /// only their organisation's certificates.
    @Test func aTrainerRunsASessionAndItsCertificatesFollow() async throws {
        try await withTestDatabase { db in
            let (store, _) = try Self.fund(db, tokens: [])
            _ = try store.addUser(login: "tara", displayName: "Tara Trainer", roles: [.trainer], as: "admin")
            let tokens = Dictionary(uniqueKeysWithValues: try ["nadia", "bashir", "sec", "tara"].map { ($0, try store.createAPIToken(label: "api tests", days: 1, as: $0).secret) })
            let app = Application(router: try await PortalTests.portal(store).router())
            try await app.test(.router) { client in
                let api = APIClient(client)
                let course = #"{"code": "PSEA", "title": "Protection from sexual exploitation and abuse", "validityMonths": 24}"#
                try Self.expect(try await api.send(.post, "/training/courses", token: tokens["nadia"], json: course), .forbidden)
                try Self.expect(try await api.send(.post, "/training/courses", token: tokens["sec"], json: course), .created)
                #expect((try await api.send(.get, "/training/courses", token: tokens["tara"]).object()["items"] as? [[String: Any]])?.map { $0["code"] as? String } == ["PSEA"])

                let today = LocalDate(Date(), utcOffsetMinutes: 0).description
                let session = #"{"course": "PSEA", "startDate": "\#(today)", "place": "Garissa", "trainer": "tara", "capacity": 20}"#
                try Self.expect(try await api.send(.post, "/training/sessions", token: tokens["nadia"], json: session), .forbidden)
                let scheduled = try await api.send(.post, "/training/sessions", token: tokens["tara"], json: session)
                try Self.expect(scheduled, .created)
                let reference = try #require(try scheduled.object()["reference"] as? String)
                #expect(scheduled.headers[.location] == "/api/v1/training/sessions/\(reference)")
                let participant = #"{"name": "Amina Yusuf", "organisation": "NGO-ALPHA", "gender": "female", "passed": true, "score": 87.5}"#
                try Self.expect(try await api.send(.post, "/training/sessions/\(reference)/attendance", token: tokens["nadia"], json: participant), .forbidden)
                try Self.expect(try await api.send(.post, "/training/sessions/\(reference)/attendance", token: tokens["tara"], json: participant), .created)
                let refused = try await api.send(.post, "/training/sessions/\(reference)/attendance", token: tokens["tara"], json: #"{"name": "X", "organisation": "NGO-ALPHA", "score": 140}"#)
                try Self.expect(refused, .badRequest)
                for step in ["held", "closure"] {
                    try Self.expect(try await api.send(.post, "/training/sessions/\(reference)/\(step)", token: tokens["bashir"]), .forbidden)
                    try Self.expect(try await api.send(.post, "/training/sessions/\(reference)/\(step)", token: tokens["tara"]), .ok)
                }
                let shown = try await api.send(.get, "/training/sessions/\(reference)", token: tokens["sec"])
                try Self.expect(shown, .ok)
                #expect((try shown.object()["session"] as? [String: Any])?["state"] as? String == "closed")
                #expect((try shown.object()["attendance"] as? [[String: Any]])?.first?["score"] as? Double == 87.5)
                #expect((try await api.send(.get, "/training/sessions?state=closed", token: tokens["sec"]).object()["items"] as? [Any])?.count == 1)

                // The certificate: the organisation sees its own, another does not; the secretariat revokes it.
                let certificates = try await api.send(.get, "/training/certificates", token: tokens["nadia"])
                try Self.expect(certificates, .ok)
                let certificate = try #require((try certificates.object()["items"] as? [[String: Any]])?.first?["reference"] as? String)
                #expect((try await api.send(.get, "/training/certificates", token: tokens["bashir"]).object()["items"] as? [Any])?.isEmpty == true)
                #expect((try await api.send(.get, "/training/certificates/expiring?days=1000", token: tokens["sec"]).object()["items"] as? [Any])?.count == 1)
                try Self.expect(try await api.send(.post, "/training/certificates/\(certificate)/revocation", token: tokens["nadia"], json: #"{"reason": "x"}"#), .forbidden)
                let revoked = try await api.send(.post, "/training/certificates/\(certificate)/revocation", token: tokens["sec"], json: #"{"reason": "Issued in error."}"#)
                try Self.expect(revoked, .ok)
                #expect(try revoked.object()["status"] as? String == "revoked")

                // Requirements and the shortfalls they leave; the reports.
                let requirement = #"{"course": "PSEA", "minimumStaff": 1}"#
                try Self.expect(try await api.send(.put, "/training/requirements/tranches", token: tokens["nadia"], json: requirement), .forbidden)
                try Self.expect(try await api.send(.put, "/training/requirements/tranches", token: tokens["sec"], json: requirement), .ok)
                try Self.expect(try await api.send(.put, "/calls/SA-1/training-requirement", token: tokens["sec"], json: requirement), .ok)
                #expect((try await api.send(.get, "/training/requirements", token: tokens["sec"]).object()["requirements"] as? [Any])?.count == 2)
                let shortfalls = try await api.send(.get, "/organisations/NGO-ALPHA/training-shortfalls?call=SA-1", token: tokens["nadia"])
                try Self.expect(shortfalls, .ok)
                #expect((try shortfalls.object()["shortfalls"] as? [[String: Any]])?.first?["course"] as? String == "PSEA")
                try Self.expect(try await api.send(.get, "/organisations/NGO-ALPHA/training-shortfalls?on=someday", token: tokens["sec"]), .badRequest)
                try Self.expect(try await api.send(.get, "/training/reports/organisations/NGO-ALPHA", token: tokens["sec"]), .ok)
                try Self.expect(try await api.send(.get, "/training/reports/organisations/NGO-ALPHA", token: tokens["bashir"]), .notFound)
                let courseReport = try await api.send(.get, "/training/reports/courses/PSEA", token: tokens["sec"])
                try Self.expect(courseReport, .ok)
                #expect((try courseReport.object()["sessions"] as? [Any])?.count == 1)

                let second = try await api.send(.post, "/training/sessions", token: tokens["sec"], json: session)
                let other = try #require(try second.object()["reference"] as? String)
                let sheet = try Self.json(["csv": "name,organisation,role,gender,attended,passed,score\nJuma Otieno,NGO-ALPHA,Driver,male,yes,no,\n"])
                try Self.expect(try await api.send(.post, "/training/sessions/\(other)/attendance-sheet", token: tokens["nadia"], json: sheet), .forbidden)
                let imported = try await api.send(.post, "/training/sessions/\(other)/attendance-sheet", token: tokens["sec"], json: sheet)
                try Self.expect(imported, .ok)
                #expect((try imported.object()["attendance"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Juma Otieno"])
                try Self.expect(try await api.send(.get, "/training/certificates/expiring?days=", token: tokens["sec"]), .badRequest, code: "parameter_invalid")
                try Self.expect(try await api.send(.post, "/training/sessions/\(other)/cancellation", token: tokens["nadia"], json: #"{"reason": "x"}"#), .forbidden)
                let cancelled = try await api.send(.post, "/training/sessions/\(other)/cancellation", token: tokens["sec"], json: #"{"reason": "The venue flooded."}"#)
                try Self.expect(cancelled, .ok)
                #expect(try cancelled.object()["state"] as? String == "cancelled")
            }
        }
    }
}
