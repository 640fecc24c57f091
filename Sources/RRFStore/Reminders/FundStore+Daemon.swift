import Foundation
import Postgres
import RRFWorkflow

/// What rrfd's jobs need beyond the commands: escalations and reminders the system sends by itself. Each one
/// is idempotent (it records an audit event and does nothing when that event is already there), so a job that
/// runs twice notifies once.
extension FundStore {
    /// Writes `notification` to the outbox as the system, with an audit event of type `notification.event` on
    /// `notification.stream` (rrfd's escalations, e.g. a job the fund's rules refuse for good).
    public func notify(_ notification: NotifyPayload) throws {
        try serviceCommand("system.notify") { context in
            try context.audit(notification.stream, notification.event, notification)
            try context.notify(notification)
        }
    }

    /// The daemon's handler of `proposal.decision_sla_watch`: when the reserve-call proposal is still undecided
    /// (submitted, in review or scored) in `round` at its decision deadline, tells the fund managers once.
    /// Returns whether it escalated now.
    @discardableResult
    public func escalateDecisionSLA(proposalID: UUID, round: Int) throws -> Bool {
        try serviceCommand("proposal.decision_sla_watch") { context in
            let proposal = try loadProposal(id: proposalID, on: context.connection)
            guard proposal.round == round, [.submitted, .inReview, .scored].contains(proposal.stateName),
                  proposal.decisionDue <= context.now else { return false }
            let stream = Streams.proposal(proposal.reference)
            let marker = DaemonMarker(key: "round-\(round)")
            guard try Self.recordOnce(stream, "proposal.decision_sla_breached", marker, context) else { return false }
            try context.notify(NotifyPayload(
                event: "proposal.decision_sla_breached", stream: stream, organisationID: nil, roles: [Role.fundManager.rawValue],
                message: "Proposal \(proposal.reference) (reserve call \(proposal.call)) is still \(proposal.state.replacingOccurrences(of: "_", with: " ")) after its decision deadline \(ISO8601DateFormatter().string(from: proposal.decisionDue)); please decide."
            ))
            return true
        }
    }

    /// What the daemon's `call.close` job found.
    public enum CallClosing: Sendable, Equatable {
        /// The call was open and its deadline passed: it is closed now.
        case closed
        /// The call is not open (closed early, or further on): nothing to do.
        case notOpen(state: String)
        /// The call is open and closes later (the job ran early): try again at `deadline`.
        case notYet(deadline: Date)
    }

    /// The daemon's handler of `call.close`: closes the call as `login` (secretariat) when it is still open and
    /// its submission deadline has passed; checks the current state first, so a call closed early is left alone.
    public func closeCallAtDeadline(_ code: String, as login: String) throws -> CallClosing {
        let call = try self.call(code)
        guard call.stateName == .open else { return .notOpen(state: call.state) }
        guard call.configuration.submissionDeadline <= clock() else { return .notYet(deadline: call.configuration.submissionDeadline) }
        do {
            _ = try closeCall(call.code, expectedVersion: call.version, as: login)
        } catch let error as StoreError where error.code == "changed_since_loaded" {
            // Changed in between (e.g. closed early just now): look again.
            return try closeCallAtDeadline(code, as: login)
        }
        return .closed
    }

    /// The daemon's handler of `organisation.due_diligence_reminder`: when the organisation's current assessment
    /// expires within 30 days (the job is for that assessment, not an older one), tells the secretariat once per
    /// expiry date. Returns whether it reminded now.
    @discardableResult
    public func remindDueDiligence(organisationID: UUID) throws -> Bool {
        try serviceCommand("organisation.due_diligence_reminder") { context in
            guard let row = try context.connection.queryPrepared(
                "SELECT code, state, due_diligence_expires::text AS expires FROM organisations WHERE id = $1", [organisationID]
            ).first else { throw StoreError.notFound("No organisation has the id \(organisationID).") }
            let code: String = try row.decode("code")
            guard let expiresText = try row.decode("expires", as: String?.self), let expires = try? LocalDate(parsing: expiresText),
                  ["assessed", "reassessed"].contains(try row.decode("state", as: String.self)), expires.adding(days: -30) <= context.today
            else { return false }
            let stream = Streams.organisation(code)
            let marker = DaemonMarker(key: expires.description)
            guard try Self.recordOnce(stream, "organisation.due_diligence_reminded", marker, context) else { return false }
            try context.notify(NotifyPayload(
                event: "organisation.due_diligence_reminded", stream: stream, organisationID: nil, roles: [Role.secretariat.rawValue],
                message: "The due diligence of \(code) expires on \(expires); reassess the organisation before then."
            ))
            return true
        }
    }

    /// Tells the NGO users of each organisation, once per certificate, about its certificates whose last valid day
    /// is within `days` days (the daemon's daily `training.certificate_expiry_reminders` job). Returns the
    /// certificates reminded about now.
    @discardableResult
    public func remindExpiringCertificates(withinDays days: Int = 30) throws -> [CertificateRecord] {
        let expiring = try expiringCertificates(withinDays: days)
        return try serviceCommand("training.certificate_expiry_reminders") { context in
            // One pass at a time: a second one waits here, then finds the first one's audit markers.
            try context.connection.queryPrepared("SELECT pg_advisory_xact_lock(hashtextextended('rrf:certificate_expiry_reminders', 0))")
            var organisationIDs: [String: UUID] = [:]
            for row in try context.connection.queryPrepared(
                "SELECT code, id FROM organisations WHERE code = ANY($1::text[])", [Array(Set(expiring.map(\.organisation)))]
            ).rows {
                organisationIDs[try row.decode("code")] = try row.decode("id", as: UUID.self)
            }
            var reminded: [CertificateRecord] = []
            for certificate in expiring {
                let stream = Streams.trainingCertificate(certificate.reference)
                let marker = DaemonMarker(key: certificate.validThrough.description)
                guard let organisationID = organisationIDs[certificate.organisation],
                      try Self.recordOnce(stream, "training.certificate_expiry_reminded", marker, context)
                else { continue }
                try context.notify(NotifyPayload(
                    event: "training.certificate_expiry_reminded", stream: stream, organisationID: organisationID.uuidString.lowercased(),
                    roles: [Role.ngoUser.rawValue],
                    message: "The \(certificate.courseTitle) certificate \(certificate.reference) of \(certificate.holderName) is valid through \(certificate.validThrough); plan a refresher."
                ))
                reminded.append(certificate)
            }
            return reminded
        }
    }

    /// Reminds each reviewer, once per assignment, of a review still awaited (assigned, no conflict declared since,
    /// on the proposal's current round in review) whose due time comes within `hours` hours (the daemon's
    /// 15-minute `review.escalate_overdue` job, before it escalates). Only the reviewer is told. Returns the
    /// reviews reminded about now.
    /// - Throws: `hours_invalid` unless `hours` is 1 to 720.
    @discardableResult
    public func remindReviewsDueSoon(withinHours hours: Int = 24) throws -> [ReviewRecord] {
        try serviceCommand("review.remind_due_soon") { context in
            _ = try Validate.number(hours, in: 1...720, code: "hours_invalid", "The reminder window of \(hours) hours is not accepted; give 1 to 720 hours.")
            // SKIP LOCKED: a review being submitted right now is left to the next pass, and two passes never
            // remind about the same review.
            let dueSoon = try context.connection.queryPrepared(
                ReviewRecord.select + """
                 WHERE \(Self.awaitedReviews) AND r.due_at > $1 AND r.due_at <= $2
                ORDER BY r.due_at, p.reference FOR UPDATE OF r SKIP LOCKED
                """,
                [context.now, context.now.addingTimeInterval(Double(hours) * 3600)]
            ).rows.map { try ReviewRecord(row: $0, at: context.now) }
            var reminded: [ReviewRecord] = []
            for review in dueSoon {
                let stream = Streams.proposal(review.reference)
                let marker = DaemonMarker(key: review.id.uuidString.lowercased())
                guard try Self.recordOnce(stream, "review.reminded", marker, context) else { continue }
                try context.notify(NotifyPayload(
                    event: "review.reminded", stream: stream, organisationID: nil, roles: [Role.reviewer.rawValue],
                    message: "\(review.reviewerName): your review of proposal \(review.reference) is due \(ISO8601DateFormatter().string(from: review.dueAt)); submit your scores before then, or recuse yourself if you cannot review it.",
                    userID: review.reviewerID.uuidString.lowercased()
                ))
                reminded.append(review)
            }
            return reminded
        }
    }

    /// Escalates, once per review, the assignments still open after their due time (assigned, no conflict declared
    /// since: a conflicted review never counts and is replaced): the secretariat and the reviewer are told (the
    /// daemon's periodic `review.escalate_overdue` job). Returns the reviews escalated now.
    @discardableResult
    public func escalateOverdueReviews() throws -> [ReviewRecord] {
        try serviceCommand("review.escalate_overdue") { context in
            let overdue = try context.connection.queryPrepared(
                // Only reviews still awaited: a proposal scored, withdrawn or decided in the meantime needs none.
                ReviewRecord.select + """
                 WHERE \(Self.awaitedReviews) AND r.due_at < $1
                ORDER BY r.due_at, p.reference FOR UPDATE OF r SKIP LOCKED
                """,
                [context.now]
            ).rows.map { try ReviewRecord(row: $0, at: context.now) }
            var escalated: [ReviewRecord] = []
            for review in overdue {
                let stream = Streams.proposal(review.reference)
                let marker = DaemonMarker(key: review.id.uuidString.lowercased())
                guard try Self.recordOnce(stream, "review.overdue", marker, context) else { continue }
                let message = "The review of proposal \(review.reference) by \(review.reviewerName) was due \(ISO8601DateFormatter().string(from: review.dueAt)) and is not in."
                try context.notify(NotifyPayload(
                    event: "review.overdue", stream: stream, organisationID: nil, roles: [Role.secretariat.rawValue], message: message
                ))
                try context.notify(NotifyPayload(
                    event: "review.overdue", stream: stream, organisationID: nil, roles: [Role.reviewer.rawValue], message: message,
                    userID: review.reviewerID.uuidString.lowercased()
                ))
                escalated.append(review)
            }
            return escalated
        }
    }

    /// Tells the organisation's NGO users and the secretariat, once per report and due date, about each due or
    /// returned report past its due date and still not submitted, of a grant that still owes reports (active,
    /// suspended or closing); the daemon's hourly `grant.mark_reports_due` job runs it after marking reports due.
    /// Returns the reports notified about now.
    @discardableResult
    public func notifyOverdueReports() throws -> [ReportRecord] {
        try serviceCommand("report.notify_overdue") { context in
            // SKIP LOCKED: a report being submitted right now is left to the next pass, and two passes never
            // notify about the same report.
            let late = try context.connection.queryPrepared(
                "SELECT \(ReportRecord.columns), g.organisation_id FROM \(ReportRecord.tables)" + """
                 WHERE r.state IN ('due', 'returned') AND r.due_date < $1::date AND g.state = ANY($2::text[])
                ORDER BY r.due_date, g.reference, r.sequence FOR UPDATE OF r SKIP LOCKED
                """,
                [context.today.description, ReportRecord.grantsOwingReports]
            ).rows.map { (report: try ReportRecord(row: $0, today: context.today), organisationID: try $0.decode("organisation_id", as: UUID.self)) }
            var notified: [ReportRecord] = []
            for (report, organisationID) in late {
                let stream = Streams.grant(report.grant)
                let marker = DaemonMarker(key: "report-\(report.sequence):\(report.dueDate)")
                guard try Self.recordOnce(stream, "report.overdue", marker, context) else { continue }
                let status = report.stateName == .returned ? "was returned for changes and is not resubmitted" : "is not submitted"
                let message = "The \(report.kind.rawValue) report \(report.sequence) of grant \(report.grant) was due on \(report.dueDate) and \(status); please submit it as soon as possible, or tell the secretariat what delays it."
                try context.notify(NotifyPayload(
                    event: "report.overdue", stream: stream, organisationID: organisationID.uuidString.lowercased(),
                    roles: [Role.ngoUser.rawValue], message: message
                ))
                try context.notify(NotifyPayload(
                    event: "report.overdue", stream: stream, organisationID: nil, roles: [Role.secretariat.rawValue], message: message
                ))
                notified.append(report)
            }
            return notified
        }
    }

    /// The references of an organisation's grants whose tranches may still change (agreement pending, active,
    /// suspended), for re-evaluating them after its certificates changed.
    public func openGrantReferences(organisationID: UUID) throws -> [String] {
        try read("grant.open_of_organisation") { connection, viewer in
            try viewer.require(.organisationTraining(OrganisationID(organisationID)), notFound: Self.organisationNotFound(organisationID.uuidString))
            return             try connection.queryPrepared(
                """
                SELECT reference FROM grants
                WHERE organisation_id = $1 AND state IN ('agreement_pending', 'active', 'suspended') ORDER BY reference
                """,
                [organisationID]
            ).rows.map { try $0.decode("reference", as: String.self) }
        }
    }

    /// Records the event `type` for `marker` on `stream` unless it is already there; returns whether it recorded
    /// it now (so the caller notifies once, however often its job runs).
    private static func recordOnce(_ stream: String, _ type: String, _ marker: DaemonMarker, _ context: CommandContext) throws -> Bool {
        let recorded = try !context.connection.queryPrepared(
            "SELECT 1 FROM audit_events WHERE stream = $1 AND event_type = $2 AND payload::jsonb ->> 'key' = $3 LIMIT 1",
            [stream, type, marker.key]
        ).rows.isEmpty
        if !recorded { try context.audit(stream, type, marker) }
        return !recorded
    }

    /// Assignments still awaited: open, no conflict declared since, on the current round of a proposal in review.
    private static let awaitedReviews = "r.state = 'assigned' AND r.conflicted_at IS NULL AND p.state = 'in_review' AND r.round = p.round"
}

/// The audit payload of a system reminder: what it was for (a round, an expiry date, a review, a report and its
/// due date).
struct DaemonMarker: Codable {
    let key: String
}
