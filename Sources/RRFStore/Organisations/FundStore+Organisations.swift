import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// A partner organisation as stored (table `organisations`).
public struct OrganisationRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let code: String
    public let name: String
    /// ISO 3166 alpha-2, e.g. `KE`.
    public let country: String
    /// The stored state (JSON key `state`).
    public let stateName: OrganisationMachine.State.Name
    public let risk: RiskRating?
    public let assessedOn: LocalDate?
    public let dueDiligenceExpires: LocalDate?
    public let ineligibleUntil: LocalDate?
    public let reason: String?
    public let version: Int

    /// registered | assessed | reassessed | ineligible | suspended
    public var state: String { stateName.rawValue }

    /// The organisation's state machine rebuilt from the record.
    /// - Throws: `inconsistent_row` when the stored state is unknown or lacks what it needs.
    public var machine: OrganisationMachine {
        get throws(StoreError) {
            let assessment: Assessment? = if let risk, let assessedOn, let dueDiligenceExpires {
                Assessment(risk: risk, assessedOn: assessedOn, dueDiligenceExpiry: dueDiligenceExpires)
            } else {
                nil
            }
            let state: OrganisationMachine.State
            switch (stateName, assessment, ineligibleUntil, reason) {
            case (.registered, nil, nil, _): state = .registered
            case (.assessed, let assessment?, nil, _): state = .assessed(assessment)
            case (.reassessed, let assessment?, nil, _): state = .reassessed(assessment)
            case (.suspended, let assessment?, nil, let reason?): state = .suspended(assessment, reason: reason)
            case (.ineligible, nil, let until?, let reason?): state = .ineligible(until: until, reason: reason)
            default: throw StoreError.inconsistentRow("The organisation \(code)", state: stateName.rawValue)
            }
            return OrganisationMachine(state: state)
        }
    }

    static let columns = """
        id, code, name, country, state, risk, assessed_on::text, due_diligence_expires::text, ineligible_until::text, reason, version
        """

    init(row: Row) throws {
        id = try row.decode("id")
        code = try row.decode("code")
        name = try row.decode("name")
        country = try row.decode("country")
        stateName = try .stored(in: row, of: "The organisation \(code)")
        risk = try row.decode("risk", as: String?.self).flatMap(RiskRating.init(rawValue:))
        assessedOn = try row.decode("assessed_on", as: String?.self).map(LocalDate.stored)
        dueDiligenceExpires = try row.decode("due_diligence_expires", as: String?.self).map(LocalDate.stored)
        ineligibleUntil = try row.decode("ineligible_until", as: String?.self).map(LocalDate.stored)
        reason = try row.decode("reason")
        version = try row.decode("version")
    }

    enum CodingKeys: String, CodingKey {
        case id, code, name, country, stateName = "state", risk, assessedOn, dueDiligenceExpires, ineligibleUntil, reason
        case version
    }
}

extension LocalDate {
    /// A date read from the database (always a valid ISO date).
    static func stored(_ text: String) throws -> LocalDate {
        do {
            return try LocalDate(parsing: text)
        } catch {
            throw PostgresError(.decoding, "not a date: \(text)")
        }
    }
}

extension FundStore {
    /// Registers a partner organisation (secretariat). `code` is its short unique code, e.g. `NGO-ALPHA`.
    public func registerOrganisation(code: String, name: String, country: String, as login: String) throws -> OrganisationRecord {
        try command("org.register", as: login) { context in
            try context.actor.require(.secretariat, to: "register an organisation")
            let code = code.trimmingCharacters(in: .whitespaces).uppercased()
            let name = try Validate.text(name, field: "organisation name", maximum: 300)
            let country = try Validate.countryCode(country)
            let record = try OrganisationRecord(row: context.connection.query(
                """
                INSERT INTO organisations (id, code, name, country) VALUES ($1, $2, $3, $4)
                RETURNING \(OrganisationRecord.columns)
                """,
                [UUID(), code, name, country]
            ).single())
            try context.audit(Streams.organisation(record.code), "organisation.registered", record)
            return record
        }
    }

    /// Records a (new) assessment: risk rating and due diligence expiry (secretariat).
    public func assessOrganisation(
        _ code: String, risk: RiskRating, dueDiligenceExpires: LocalDate, expectedVersion: Int? = nil, as login: String
    ) throws -> OrganisationRecord {
        try organisationCommand("org.assess", code, expectedVersion: expectedVersion, as: login) { machine, context in
            try machine.assess(risk: risk, dueDiligenceExpiry: dueDiligenceExpires, on: context.today, by: context.actor)
        }
    }

    /// Declares the organisation ineligible until a date, inclusive (secretariat or fund manager).
    public func declareOrganisationIneligible(
        _ code: String, until: LocalDate, reason: String, expectedVersion: Int? = nil, as login: String
    ) throws -> OrganisationRecord {
        try organisationCommand("org.declare_ineligible", code, expectedVersion: expectedVersion, as: login) { machine, context in
            try machine.declareIneligible(until: until, reason: reason, on: context.today, by: context.actor)
        }
    }

    /// Suspends an assessed organisation (secretariat or fund manager).
    public func suspendOrganisation(_ code: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> OrganisationRecord {
        try organisationCommand("org.suspend", code, expectedVersion: expectedVersion, as: login) { machine, context in
            try machine.suspend(reason: reason, by: context.actor)
        }
    }

    /// Lifts a suspension (secretariat or fund manager).
    public func reinstateOrganisation(_ code: String, expectedVersion: Int? = nil, as login: String) throws -> OrganisationRecord {
        try organisationCommand("org.reinstate", code, expectedVersion: expectedVersion, as: login) { machine, context in
            try machine.reinstate(by: context.actor)
        }
    }

    /// One organisation by code.
    public func organisation(_ code: String) throws -> OrganisationRecord {
        try read("org.show") { connection, viewer in
            guard let row = try connection.queryPrepared(
                "SELECT \(OrganisationRecord.columns) FROM organisations WHERE code = $1", [code.uppercased()]
            ).first else { throw Self.organisationNotFound(code) }
            let organisation = try OrganisationRecord(row: row)
            try viewer.require(.organisation(OrganisationID(organisation.id)), notFound: Self.organisationNotFound(code))
            return organisation
        }
    }

    /// A page of the organisations ordered by code, optionally only those in `state`, after `cursor` (the previous
    /// page's ``Page/next``).
    public func organisations(state: String? = nil, limit: Int = 100, after cursor: PageCursor? = nil) throws -> Page<OrganisationRecord> {
        try read("org.list") { connection, viewer in
            try connection.page(
                "SELECT \(OrganisationRecord.columns) FROM organisations",
                where: "($1::text IS NULL OR state = $1) AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))",
                [state, viewer.organisationFilter(.organisations)], orderedBy: [PageKey("code", "text")], limit: Validate.limit(limit), after: cursor,
                OrganisationRecord.init(row:)
            )
        }
    }

    // MARK: Internals

    /// Loads the organisation `FOR UPDATE`, runs the event on its machine, stores the new state and the audit event.
    private func organisationCommand(
        _ name: String, _ code: String, expectedVersion: Int?, as login: String,
        _ event: (inout OrganisationMachine, CommandContext) throws -> OrganisationMachine.Action
    ) throws -> OrganisationRecord {
        try command(name, as: login) { context in
            let loaded = try loadOrganisationForUpdate(code, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The organisation \(loaded.code)")
            var machine = try loaded.machine
            let action = try event(&machine, context)
            let (risk, assessedOn, expiry) = (machine.assessment?.risk.rawValue, machine.assessment?.assessedOn, machine.assessment?.dueDiligenceExpiry)
            var until: LocalDate?
            var reason: String?
            switch machine.state {
            case .ineligible(let date, let text):
                until = date
                reason = text
            case .suspended(_, let text):
                reason = text
            case .registered, .assessed, .reassessed:
                break
            }
            try context.updateVersioned(
                """
                UPDATE organisations SET state = $3, risk = $4, assessed_on = $5::date, due_diligence_expires = $6::date,
                    ineligible_until = $7::date, reason = $8, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [loaded.id, loaded.version, machine.state.name, risk, assessedOn?.description, expiry?.description, until?.description, reason],
                what: "The organisation \(loaded.code)"
            )
            let record = try loadOrganisationForUpdate(loaded.code, on: context.connection)
            let stream = Streams.organisation(record.code)
            switch action {
            case .recordAssessment(let assessment):
                try context.audit(stream, "organisation.assessed", record)
                // Remind the secretariat 30 days before the due diligence expires.
                let remindOn = assessment.dueDiligenceExpiry.adding(days: -30)
                try context.enqueue(NewJobs.make(
                    JobKinds.organisationDueDiligenceReminder,
                    OrganisationJobPayload(organisationID: record.id, code: record.code),
                    runAt: max(remindOn, context.today).start(utcOffsetMinutes: calendar.utcOffsetMinutes),
                    uniqueKey: "dd-reminder:\(record.code):\(assessment.dueDiligenceExpiry)"
                ))
                // Tranche training requirements depend on the risk rating: look at the open grants again.
                if loaded.stateName != .registered, loaded.risk != assessment.risk {
                    try enqueueCertificatesChanged(organisationID: record.id, code: record.code, context: context)
                }
            case .recordIneligibility:
                try context.audit(stream, "organisation.declared_ineligible", record)
            case .recordSuspension:
                try context.audit(stream, "organisation.suspended", record)
            case .recordReinstatement:
                try context.audit(stream, "organisation.reinstated", record)
            }
            return record
        }
    }

    func loadOrganisationForUpdate(_ code: String, on connection: Connection) throws -> OrganisationRecord {
        try loadOrganisation(code, lock: .update, on: connection)
    }

    func loadOrganisation(_ code: String, lock: RowLock, on connection: Connection) throws -> OrganisationRecord {
        guard let row = try connection.query(
            "SELECT \(OrganisationRecord.columns) FROM organisations WHERE code = $1" + lock.rawValue, [code.trimmingCharacters(in: .whitespaces).uppercased()]
        ).first else { throw Self.organisationNotFound(code) }
        return try OrganisationRecord(row: row)
    }

    static func organisationNotFound(_ code: String) -> StoreError {
        StoreError.notFound("No organisation has the code \"\(code)\"; list them with `rrfctl org list`.")
    }
}

/// The audit stream names of the aggregates.
public enum Streams {
    public static func organisation(_ code: String) -> String { "organisation:\(code)" }
    public static func user(_ login: String) -> String { "user:\(login)" }
    public static func call(_ code: String) -> String { "call:\(code)" }
    public static func proposal(_ reference: String) -> String { "proposal:\(reference)" }
    /// One ledger movement's stream (a single `ledger.posted` event; sql/0025).
    public static func ledgerTransaction(_ id: Int64) -> String { "movement:\(id)" }
}
