import Foundation
import JobQueue
import Postgres
import RRFWorkflow

extension FundStore {
    // MARK: Requirements

    /// Sets (or, with `minimumStaff` 0, removes) a call's requirement that a submitting organisation has at least
    /// `minimumStaff` staff with a valid certificate of `course` (secretariat; the call must not be closed yet).
    public func setCallTrainingRequirement(call: String, course: String, minimumStaff: Int, as login: String) throws -> [TrainingRequirementRecord] {
        try trainingCommand("training.requirement_call", as: login) { context in
            try context.actor.require(.secretariat, to: "set a call's training requirements")
            let call = try loadCallForUpdate(call, on: context.connection)
            try call.machine.requireTrainingRequirementsChangeable(code: call.code)
            let course = try loadCourse(course, on: context.connection)
            try Self.requireMinimum(minimumStaff)
            if minimumStaff == 0 {
                try context.connection.query("DELETE FROM call_training_requirements WHERE call_id = $1 AND course_id = $2", [call.id, course.id])
            } else {
                try context.connection.query(
                    """
                    INSERT INTO call_training_requirements (call_id, course_id, minimum_staff) VALUES ($1, $2, $3)
                    ON CONFLICT (call_id, course_id) DO UPDATE SET minimum_staff = EXCLUDED.minimum_staff
                    """,
                    [call.id, course.id, minimumStaff]
                )
            }
            let records = try requirementRecords(.call(call.code), on: context.connection)
            try context.audit(Streams.call(call.code), "training.call_requirement_set", TrainingRequirementRecord(
                scope: "call", target: call.code, courseCode: course.code, courseTitle: course.title, minimumStaff: minimumStaff
            ))
            return records
        }
    }

    /// Sets (or, with `minimumStaff` 0, removes) the tranche policy's training requirement for organisations of a
    /// risk rating (nil: every rating) (secretariat or fund manager).
    public func setTrancheTrainingRequirement(risk: RiskRating?, course: String, minimumStaff: Int, as login: String) throws -> [TrainingRequirementRecord] {
        try trainingCommand("training.requirement_tranche", as: login) { context in
            try context.actor.require(.secretariat, .fundManager, to: "set the tranche policy's training requirements")
            let course = try loadCourse(course, on: context.connection)
            try Self.requireMinimum(minimumStaff)
            let scope = risk?.rawValue ?? "all"
            if minimumStaff == 0 {
                try context.connection.query("DELETE FROM tranche_training_requirements WHERE risk = $1 AND course_id = $2", [scope, course.id])
            } else {
                try context.connection.query(
                    """
                    INSERT INTO tranche_training_requirements (risk, course_id, minimum_staff) VALUES ($1, $2, $3)
                    ON CONFLICT (risk, course_id) DO UPDATE SET minimum_staff = EXCLUDED.minimum_staff
                    """,
                    [scope, course.id, minimumStaff]
                )
            }
            try context.audit(Streams.trainingPolicy, "training.tranche_requirement_set", TrainingRequirementRecord(
                scope: "tranche", target: scope, courseCode: course.code, courseTitle: course.title, minimumStaff: minimumStaff
            ))
            return try requirementRecords(.tranchePolicy, on: context.connection)
        }
    }

    /// The requirements of a call (`call` its code) or, with nil, every requirement: the tranche policy's, then
    /// each call's by call code.
    public func trainingRequirements(call: String? = nil) throws -> [TrainingRequirementRecord] {
        try read("training.requirements") { connection, _ in
            guard let call else { return try requirementRecords(.all, on: connection) }
            return try requirementRecords(.call(loadCall(call, lock: .unlocked, on: connection).code), on: connection)
        }
    }

    /// The tranche policy's training requirements the organisation does not meet on `date`, for its risk rating
    /// (requirements for `all` ratings always apply; when both apply to a course, the larger number counts).
    /// Runs on the caller's connection, inside its transaction (for the tranche conditions of the grants).
    public func trainingShortfalls(organisationID: OrganisationID, on date: LocalDate, connection: Connection) throws -> [TrainingShortfall] {
        let requirements = try trainingRequirements(
            """
            SELECT \(TrainingCourseRecord.columns), max(r.minimum_staff)::int AS minimum_staff
            FROM tranche_training_requirements r JOIN training_courses c ON c.id = r.course_id
            WHERE r.risk = 'all' OR r.risk = (SELECT risk FROM organisations WHERE id = $1)
            GROUP BY c.id ORDER BY c.code
            """,
            [organisationID.uuid], on: connection
        )
        return try shortfalls(requirements, organisationID: organisationID, on: date, connection: connection)
    }

    /// The tranche policy's shortfalls of the organisation (its code) on `date`.
    public func trainingShortfalls(organisationCode: String, on date: LocalDate) throws -> [TrainingShortfall] {
        try read("training.shortfalls") { connection, viewer in
            let organisation = try loadOrganisation(organisationCode, lock: .unlocked, on: connection)
            try viewer.require(.organisationTraining(OrganisationID(organisation.id)), notFound: Self.organisationNotFound(organisationCode))
            return try trainingShortfalls(organisationID: OrganisationID(organisation.id), on: date, connection: connection)
        }
    }

    /// A call's training requirements the organisation (its code) does not meet on `date`.
    public func callTrainingShortfalls(organisationCode: String, call: String, on date: LocalDate) throws -> [TrainingShortfall] {
        try read("training.shortfalls") { connection, viewer in
            let organisation = try loadOrganisation(organisationCode, lock: .unlocked, on: connection)
            try viewer.require(.organisationTraining(OrganisationID(organisation.id)), notFound: Self.organisationNotFound(organisationCode))
            let call = try loadCall(call, lock: .unlocked, on: connection)
            return try callTrainingShortfalls(organisationID: OrganisationID(organisation.id), callID: call.id, on: date, connection: connection)
        }
    }

    /// The submission hook: refuses with `training_requirement_unmet`, naming each missing course, when the
    /// organisation does not meet the call's training requirements today.
    func requireCallTraining(organisation: OrganisationRecord, call: CallRecord, context: CommandContext) throws {
        let shortfalls = try callTrainingShortfalls(
            organisationID: OrganisationID(organisation.id), callID: call.id, on: context.today, connection: context.connection
        )
        try TrainingShortfall.requireNone(shortfalls, organisation: organisation.code, call: call.code)
    }

    // MARK: Requirement internals

    private func callTrainingShortfalls(organisationID: OrganisationID, callID: UUID, on date: LocalDate, connection: Connection) throws -> [TrainingShortfall] {
        let requirements = try trainingRequirements(
            """
            SELECT \(TrainingCourseRecord.columns), r.minimum_staff
            FROM call_training_requirements r JOIN training_courses c ON c.id = r.course_id
            WHERE r.call_id = $1 ORDER BY c.code
            """,
            [callID], on: connection
        )
        return try shortfalls(requirements, organisationID: organisationID, on: date, connection: connection)
    }

    private func trainingRequirements(_ sql: String, _ parameters: [(any PostgresEncodable)?], on connection: Connection) throws -> [TrainingRequirement] {
        try connection.query(sql, parameters).rows.map {
            TrainingRequirement(course: try TrainingCourseRecord(row: $0).course(), minimumStaff: try $0.decode("minimum_staff"))
        }
    }

    /// The unmet requirements, counting unrevoked certificates (valid on `date` per ``Certificate/isValid(on:)``),
    /// each person (normalised name) once.
    private func shortfalls(_ requirements: [TrainingRequirement], organisationID: OrganisationID, on date: LocalDate, connection: Connection) throws -> [TrainingShortfall] {
        guard !requirements.isEmpty else { return [] }
        let certificates = try connection.query(
            """
            SELECT id, course_id, holder_key, issued_on::text AS issued_on, valid_through::text AS valid_through
            FROM training_certificates
            WHERE organisation_id = $1 AND revoked_at IS NULL AND course_id = ANY($2::uuid[])
            """,
            [organisationID.uuid, requirements.map(\.course.id.uuid)]
        ).rows.map {
            Certificate(
                id: CertificateID(try $0.decode("id", as: UUID.self)), courseID: CourseID(try $0.decode("course_id", as: UUID.self)),
                holderName: try $0.decode("holder_key"), organisationID: organisationID,
                issuedOn: try LocalDate.stored(try $0.decode("issued_on")), validThrough: try LocalDate.stored(try $0.decode("valid_through"))
            )
        }
        return TrainingRequirement.shortfalls(requirements, certificates: certificates, organisationID: organisationID, on: date)
    }

    /// Which training requirements to list.
    private enum RequirementScope {
        /// Those of the tranche policy.
        case tranchePolicy
        /// Those of one call (its code).
        case call(String)
        /// The tranche policy's, then every call's by call code.
        case all
    }

    private func requirementRecords(_ scope: RequirementScope, on connection: Connection) throws -> [TrainingRequirementRecord] {
        let callSQL = """
            SELECT 'call' AS scope, k.code AS target, c.code AS course_code, c.title AS course_title, r.minimum_staff
            FROM call_training_requirements r JOIN calls k ON k.id = r.call_id JOIN training_courses c ON c.id = r.course_id
            WHERE $1::text IS NULL OR k.code = upper(btrim($1)) ORDER BY k.code, c.code
            """
        let trancheSQL = """
            SELECT 'tranche' AS scope, r.risk AS target, c.code AS course_code, c.title AS course_title, r.minimum_staff
            FROM tranche_training_requirements r JOIN training_courses c ON c.id = r.course_id
            ORDER BY array_position(ARRAY['all', 'low', 'medium', 'high'], r.risk), c.code
            """
        let rows = switch scope {
        case .call(let code): try connection.query(callSQL, [code]).rows
        case .tranchePolicy: try connection.query(trancheSQL).rows
        case .all: try connection.query(trancheSQL).rows + connection.query(callSQL, [nil]).rows
        }
        return try rows.map {
            TrainingRequirementRecord(
                scope: try $0.decode("scope"), target: try $0.decode("target"), courseCode: try $0.decode("course_code"),
                courseTitle: try $0.decode("course_title"), minimumStaff: try $0.decode("minimum_staff")
            )
        }
    }

    private static func requireMinimum(_ minimumStaff: Int) throws {
        _ = try Validate.number(
            minimumStaff, in: 0...1000, code: "minimum_staff_invalid",
            "The minimum number of staff \(minimumStaff) is not accepted; give 1 to 1000, or 0 to remove the requirement."
        )
    }
}
