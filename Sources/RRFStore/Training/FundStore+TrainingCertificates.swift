import Foundation
import JobQueue
import Postgres
import RRFWorkflow

extension FundStore {
    // MARK: Certificates

    /// Revokes a certificate with a reason (secretariat); it no longer counts for any requirement.
    public func revokeCertificate(_ reference: String, reason: String, as login: String) throws -> CertificateRecord {
        try trainingCommand("training.certificate_revoke", as: login) { context in
            try context.actor.require(.secretariat, to: "revoke a certificate")
            let reason = try Validate.text(reason, field: "reason", maximum: TextLimit.reason, shape: .lines)
            let number = try Validate.referenceNumber(reference, prefix: "TC", what: "certificate")
            guard let row = try context.connection.query(
                "SELECT id, organisation_id, revoked_at FROM training_certificates WHERE number = $1 FOR UPDATE", [number]
            ).first else {
                throw StoreError.notFound("No certificate has the reference \(reference); list them with `rrfctl training certificate list`.")
            }
            try Certificate.requireRevocable(reference: "TC-\(number)", revokedAt: try row.decode("revoked_at"))
            let id: UUID = try row.decode("id")
            try context.connection.query(
                "UPDATE training_certificates SET revoked_at = $2, revoked_by = $3, revocation_reason = $4 WHERE id = $1",
                [id, context.now, context.actor.userID.uuid, reason]
            )
            let record = try CertificateRecord(row: context.connection.query(CertificateRecord.select + " WHERE t.id = $1", [id]).single(), today: context.today)
            try context.audit(Streams.trainingCertificate(record.reference), "training.certificate_revoked", record)
            try enqueueCertificatesChanged(organisationID: try row.decode("organisation_id"), code: record.organisation, context: context)
            return record
        }
    }

    /// A page of the certificates matching the filter (by default only those valid today), by organisation,
    /// course and holder.
    public func trainingCertificates(_ filter: CertificateFilter = CertificateFilter()) throws -> Page<CertificateRecord> {
        let today = self.today
        return try read("training.certificate_list") { connection, viewer in
            try connection.page(
                CertificateRecord.select, where: """
                ($1::text IS NULL OR o.code = upper(btrim($1))) AND ($2::text IS NULL OR c.code = upper(btrim($2)))
                   AND ($3 OR (t.revoked_at IS NULL AND $4::date BETWEEN t.issued_on AND t.valid_through))
                   AND ($5::uuid[] IS NULL OR t.organisation_id = ANY($5::uuid[]))
                """,
                [filter.organisation, filter.course, filter.includeInvalid, today.description, viewer.organisationFilter(.organisationTraining)],
                orderedBy: [
                    PageKey("o.code", "text"), PageKey("c.code", "text"), PageKey("t.holder_key", "text"),
                    PageKey("t.valid_through", "date", descending: true), PageKey("t.number", "integer"),
                ],
                limit: Validate.limit(filter.limit), after: filter.after
            ) { try CertificateRecord(row: $0, today: today) }
        }
    }

    /// Unrevoked certificates whose last valid day falls within the next `days` days (today included), soonest first.
    public func expiringCertificates(withinDays days: Int) throws -> [CertificateRecord] {
        let today = self.today
        return try read("training.certificate_expiring") { connection, viewer in
            _ = try Validate.number(days, in: 0...3660, code: "days_invalid", "The number of days \(days) is not accepted; give 0 to 3660.")
            return try connection.query(
                CertificateRecord.select + """
                 WHERE t.revoked_at IS NULL AND t.issued_on <= $1::date AND t.valid_through BETWEEN $1::date AND $2::date
                   AND ($3::uuid[] IS NULL OR t.organisation_id = ANY($3::uuid[]))
                ORDER BY t.valid_through, o.code, t.holder_key
                """,
                [today.description, today.adding(days: days).description, viewer.organisationFilter(.organisationTraining)]
            ).rows.map { try CertificateRecord(row: $0, today: today) }
        }
    }
    /// Enqueues ``JobKinds/trainingCertificatesChanged`` for the organisation, now or on the day its certificates lapse.
    func enqueueCertificatesChanged(organisationID: UUID, code: String, lapsingOn: LocalDate? = nil, context: CommandContext) throws {
        let payload = OrganisationJobPayload(organisationID: organisationID, code: code)
        if let lapsingOn {
            try context.enqueue(NewJobs.make(
                JobKinds.trainingCertificatesChanged, payload, runAt: lapsingOn.start(utcOffsetMinutes: calendar.utcOffsetMinutes),
                uniqueKey: "training-lapse:\(payload.organisationID):\(lapsingOn)"
            ))
        } else {
            try context.enqueue(NewJobs.make(JobKinds.trainingCertificatesChanged, payload))
        }
    }
}
