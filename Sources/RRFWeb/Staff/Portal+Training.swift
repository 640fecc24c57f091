import Foundation
import Hummingbird
import MultipartKit
import Postgres
import RRFStore
import RRFWorkflow

// The trainer's desk: courses, sessions with their state and participants, a session's attendance with the
// upload of its sign-in sheet (the CSV rrfctl reads, all or nothing), marking it held and closing it (which
// issues the certificates), and the certificates issued.

extension Portal {
    func addTrainingRoutes(to router: Router<WebContext>) {
        router.get("/training") { request, _ in try await signedIn(request) { store, person in try await trainingDesk(request, store: store, person: person) } }
        router.post("/training/courses") { request, context in
            try await signedIn(request) { store, person in
                let form = try await request.decode(as: [String: String].self, context: context)
                return try await trainingAction(form, request: request, store: store, person: person) {
                    let months = try StoreError.wholeNumber(form["validity"] ?? "", field: "validity in months", example: "24")
                    _ = try store.addTrainingCourse(code: form["code"] ?? "", title: form["title"] ?? "", validityMonths: months, as: "")
                }
            }
        }
        router.post("/training/sessions") { request, context in
            try await signedIn(request) { store, person in
                let form = try await request.decode(as: [String: String].self, context: context)
                return try await trainingAction(form, request: request, store: store, person: person) {
                    let start = try StoreError.refusing { () throws(WorkflowRejection) in try LocalDate(parsing: form["start"] ?? "") }
                    let end = try StoreError.refusing { () throws(WorkflowRejection) in try LocalDate(parsing: form["end"] ?? "") }
                    let capacity = try StoreError.wholeNumber(form["capacity"] ?? "", field: "capacity", example: "25")
                    _ = try store.scheduleTrainingSession(
                        course: form["course"] ?? "", startDate: start, endDate: end, place: form["place"] ?? "", trainer: form["trainer"] ?? "",
                        capacity: capacity, as: ""
                    )
                }
            }
        }
        router.get("/training/sessions/{reference}") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await trainingSession(reference, request: request, store: store, person: person) }
        }
        router.post("/training/sessions/{reference}/attendance") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await uploadAttendance(reference, request: request, store: store, person: person) }
        }
        for (action, run) in Self.sessionActions {
            router.post("/training/sessions/{reference}/\(action)") { request, context in
                let reference = context.parameters.get("reference") ?? ""
                return try await signedIn(request) { store, person in
                    let form = try await request.decode(as: OneButtonForm.self, context: context)
                    return try await formCommand(csrf: form.csrf, request: request, person: person, done: "/training/sessions/\(reference)") {
                        try run(store, reference, Int(form.version ?? ""))
                    } refused: { error in try await trainingSession(reference, request: request, store: store, person: person, error: error.message) }
                }
            }
        }
    }

    /// A session's one-button commands, with the event name its machine offers them under.
    static let sessionActions: [(String, @Sendable (FundStore, String, Int?) throws -> Void)] = [
        ("held", { store, reference, version in _ = try store.recordTrainingSessionHeld(reference, expectedVersion: version, as: "") }),
        ("closing", { store, reference, version in _ = try store.closeTrainingSession(reference, expectedVersion: version, as: "") }),
    ]

    /// Runs one of the desk's forms, then shows the desk again (with the refusal and what was sent).
    func trainingAction(
        _ form: [String: String], request: Request, store: FundStore, person: SignedInPerson, _ command: @escaping @Sendable () throws -> Void
    ) async throws -> Response {
        try await formCommand(csrf: form["csrf"], request: request, person: person, done: "/training", command) { error in
            try await trainingDesk(request, store: store, person: person, refused: (form, error.message))
        }
    }

    func trainingDesk(_ request: Request, store: FundStore, person: SignedInPerson, refused: (sent: [String: String], message: String)? = nil) async throws -> Response {
        let (courses, sessions) = try await runner.run { (try store.trainingCourses(), try store.trainingSessions(limit: 200).items) }
        let sent = refused?.sent ?? [:]
        var values: [String: Any] = [
            "courses": courses.map { ["code": $0.code, "title": $0.title, "validity": $0.validityMonths] }, "noCourses": courses.isEmpty,
            "sessions": sessions.map { session -> [String: Any] in
                [
                    "reference": session.reference, "course": session.course.title, "start": session.startDate.description, "end": session.endDate.description,
                    "place": session.place, "trainer": session.trainer, "state": pages.state(session.state, for: request),
                    "participants": session.participants, "capacity": session.capacity,
                ]
            },
            "noSessions": sessions.isEmpty, "csrf": person.csrf,
            "courseChoices": courses.map { ["code": $0.code, "title": $0.title, "selected": sent["course"] == $0.code] },
            "sent": sent, "trainer": sent["trainer"] ?? person.user.login,
        ]
        if let refused { values["error"] = refused.message }
        return pages.render("training", values, request: request, person: person.page, status: refused == nil ? .ok : .badRequest)
    }

    func trainingSession(_ reference: String, request: Request, store: FundStore, person: SignedInPerson, error: String? = nil) async throws -> Response {
        let (session, attendance, certificates) = try await runner.run {
            let session = try store.trainingSession(reference)
            let certificates = try store.trainingCertificates(CertificateFilter(course: session.course.code, includeInvalid: true, limit: 500)).filter { $0.session == session.reference }
            return (session, try store.trainingAttendance(session: reference), certificates)
        }
        var values: [String: Any] = [
            "reference": session.reference, "course": session.course.title, "start": session.startDate.description, "end": session.endDate.description,
            "place": session.place, "trainer": session.trainer, "state": pages.state(session.state, for: request), "version": session.version,
            "capacity": session.capacity, "csrf": person.csrf, "columns": TrainingSheet.columns.joined(separator: ","),
            "attendance": attendance.map { line -> [String: Any] in
                ["name": line.name, "organisation": line.organisation, "role": line.role, "gender": line.gender,
                 "attended": line.attended, "passed": line.passed, "score": line.score.map { String(format: "%.0f", $0) } ?? "—"]
            },
            "noAttendance": attendance.isEmpty,
            "certificates": certificates.map { ["reference": $0.reference, "holder": $0.holderName, "organisation": $0.organisation, "validThrough": $0.validThrough.description] },
            "noCertificates": certificates.isEmpty,
            "uploadable": TrainingSessionMachine.offers("record_held", from: session.state) || session.state == "held",
            "holdable": TrainingSessionMachine.offers("record_held", from: session.state),
            "closable": TrainingSessionMachine.offers("close", from: session.state),
        ]
        if let error { values["error"] = error }
        return pages.render("training-session", values, request: request, person: person.page, status: error == nil ? .ok : .badRequest)
    }

    /// The attendance form's fields: its CSRF token and the sign-in sheet's file (multipart/form-data).
    struct AttendanceUpload: Decodable {
        let csrf: String?
        let sheet: String?
    }

    func uploadAttendance(_ reference: String, request: Request, store: FundStore, person: SignedInPerson) async throws -> Response {
        let type = request.headers[.contentType] ?? ""
        guard let boundary = type.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { $0.hasPrefix("boundary=") })?
            .dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        else {
            return try await trainingSession(reference, request: request, store: store, person: person, error: pages.messages(for: request)["sheet_required"])
        }
        let body = try await request.body.collect(upTo: 2 * 1024 * 1024)
        let upload = try? FormDataDecoder().decode(AttendanceUpload.self, from: body, boundary: boundary)
        guard person.accepts(upload?.csrf) else { return formExpired(request) }
        guard let sheet = upload?.sheet, !sheet.isEmpty else {
            return try await trainingSession(reference, request: request, store: store, person: person, error: pages.messages(for: request)["sheet_required"])
        }
        do {
            _ = try await runner.run { try store.importAttendance(session: reference, csv: sheet, as: "") }
            return redirect("/training/sessions/\(reference)")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict {
            return try await trainingSession(reference, request: request, store: store, person: person, error: error.message)
        }
    }
}
