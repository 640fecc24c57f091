import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// A member of a peer review committee.
public struct CommitteeMemberRecord: Codable, Sendable, Equatable {
    public let login: String
    public let displayName: String
    public let isChair: Bool
    /// Reviews assigned to the member and not yet submitted or recused, across all committees.
    public let openAssignments: Int
}

/// A peer review committee (tables `committees`, `committee_members`).
public struct CommitteeRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let code: String
    /// The call's code; nil for a standing committee of the cluster, serving every call without its own.
    public let call: String?
    public let cluster: Cluster
    /// The chair's login.
    public let chair: String?
    /// The committee's own quorum, or nil for the call's.
    public let quorum: Int?
    /// The committee's own review deadline, or nil for the call's.
    public let reviewDeadline: Date?
    public let members: [CommitteeMemberRecord]
    public let version: Int

    static let select = """
        SELECT m.id, m.code, c.code AS call, m.cluster, ch.login AS chair, m.quorum, m.review_deadline, m.version,
               coalesce((SELECT json_agg(json_build_object(
                   'login', u.login, 'displayName', u.display_name, 'isChair', u.id IS NOT DISTINCT FROM m.chair_id,
                   'openAssignments', (SELECT count(*) FROM reviews r WHERE r.reviewer_id = u.id AND r.state = 'assigned' AND r.conflicted_at IS NULL))
                   ORDER BY u.login)
                   FROM committee_members cm JOIN users u ON u.id = cm.user_id WHERE cm.committee_id = m.id), '[]')::text AS members
        FROM committees m
        LEFT JOIN calls c ON c.id = m.call_id
        LEFT JOIN users ch ON ch.id = m.chair_id
        """

    init(row: Row) throws {
        id = try row.decode("id")
        code = try row.decode("code")
        call = try row.decode("call")
        cluster = try Cluster.stored(try row.decode("cluster"))
        chair = try row.decode("chair")
        quorum = try row.decode("quorum")
        reviewDeadline = try row.decode("review_deadline")
        members = try row.decode("members", as: JSONValue<[CommitteeMemberRecord]>.self).value
        version = try row.decode("version")
    }
}

/// A reviewer's declared conflict of interest with an organisation (table `conflict_declarations`).
public struct ConflictRecord: Codable, Sendable, Equatable {
    public let reviewer: String
    public let organisation: String
    public let reason: String
    public let declaredOn: LocalDate
    public let recordedBy: String?
    public let recordedAt: Date
}

extension FundStore {
    /// Creates a peer review committee for a call and cluster, or (`call == nil`) a standing committee of the
    /// cluster serving every call without one (secretariat). The chair, when given, becomes a member.
    /// `quorum` and `reviewDeadline` default to the call's.
    public func createCommittee(
        code: String, call: String?, cluster: Cluster, chair: String? = nil, quorum: Int? = nil, reviewDeadline: Date? = nil,
        as login: String
    ) throws -> CommitteeRecord {
        try command("committee.create", as: login) { context in
            try context.actor.require(.secretariat, to: "create review committees")
            let code = code.trimmingCharacters(in: .whitespaces).uppercased()
            var callID: UUID?
            if let call {
                let record = try loadCall(call, lock: .share, on: context.connection)
                try ReviewPanel.requireCommittee(cluster: cluster, call: record.code, fundedClusters: Set(record.envelopes.map(\.cluster)), quorum: quorum)
                callID = record.id
            } else {
                try ReviewPanel.requireCommittee(cluster: cluster, call: nil, fundedClusters: [], quorum: quorum)
            }
            let id = UUID()
            try mappingReviewConstraints {
                try context.connection.query(
                    "INSERT INTO committees (id, code, call_id, cluster, quorum, review_deadline) VALUES ($1, $2, $3, $4, $5, $6)",
                    [id, code, callID, cluster.rawValue, quorum, reviewDeadline]
                )
            }
            if let chair {
                let member = try requireReviewerUser(chair, on: context.connection)
                try context.connection.query("INSERT INTO committee_members (committee_id, user_id, added_at) VALUES ($1, $2, $3)", [id, member.userID.uuid, context.now])
                try context.connection.query("UPDATE committees SET chair_id = $2 WHERE id = $1", [id, member.userID.uuid])
            }
            let record = try loadCommittee(code, on: context.connection)
            try context.audit(Streams.committee(code), "committee.created", record)
            return record
        }
    }

    /// Adds a reviewer to a committee (secretariat); `chair` makes them the chair (replacing any previous one).
    public func addCommitteeMember(_ committee: String, member: String, chair: Bool = false, as login: String) throws -> CommitteeRecord {
        try command("committee.add_member", as: login) { context in
            try context.actor.require(.secretariat, to: "manage review committees")
            let loaded = try loadCommittee(committee, lock: .update, on: context.connection)
            let user = try requireReviewerUser(member, on: context.connection)
            try context.connection.query(
                "INSERT INTO committee_members (committee_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                [loaded.id, user.userID.uuid, context.now]
            )
            if chair {
                try context.connection.query("UPDATE committees SET chair_id = $2 WHERE id = $1", [loaded.id, user.userID.uuid])
            }
            try context.updateVersioned(
                "UPDATE committees SET version = version + 1 WHERE id = $1 AND version = $2", [loaded.id, loaded.version],
                what: "The committee \(loaded.code)"
            )
            let record = try loadCommittee(loaded.code, on: context.connection)
            try context.audit(Streams.committee(record.code), chair ? "committee.chair_set" : "committee.member_added", record)
            return record
        }
    }

    /// Records a reviewer's conflict of interest with an organisation (the reviewer, or the secretariat on their
    /// behalf). Open assignments to that organisation's proposals are blocked and submitted reviews stop counting;
    /// replacements and re-aggregation are enqueued for the affected proposals still in review.
    public func declareConflict(
        reviewer: String, organisation: String, reason: String, declaredOn: LocalDate? = nil, as login: String
    ) throws -> ConflictRecord {
        try command("committee.declare_conflict", as: login) { context in
            let member = try resolveActor(reviewer, on: context.connection)
            try ReviewPanel.requireMayDeclareConflict(of: member, by: context.actor)
            let reason = try Validate.text(reason, field: "reason", maximum: TextLimit.reason, shape: .lines)
            let organisationRecord = try loadOrganisation(organisation, lock: .share, on: context.connection)
            let day = declaredOn ?? context.today
            let recordedBy: UUID? = context.actor.userID.uuid
            try context.connection.query(
                """
                INSERT INTO conflict_declarations (user_id, organisation_id, reason, declared_on, recorded_by, recorded_at)
                VALUES ($1, $2, $3, $4::date, $5, $6)
                ON CONFLICT (user_id, organisation_id) DO UPDATE SET reason = excluded.reason, declared_on = excluded.declared_on,
                    recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
                """,
                [member.userID.uuid, organisationRecord.id, reason, day.description, recordedBy, context.now]
            )
            // Block or discount the reviewer's reviews of the organisation's proposals that are not decided yet.
            let affected = try context.connection.query(
                """
                UPDATE reviews r SET conflicted_at = $3, version = r.version + 1
                FROM proposals p
                WHERE p.id = r.proposal_id AND r.round = p.round AND r.reviewer_id = $1 AND p.organisation_id = $2
                  AND r.state IN ('assigned', 'submitted') AND r.conflicted_at IS NULL
                  AND p.state IN ('submitted', 'resubmitted', 'in_review', 'scored')
                RETURNING p.id, p.reference, p.round, p.state
                """,
                [member.userID.uuid, organisationRecord.id, context.now]
            )
            for row in affected.rows {
                let reference: String = try row.decode("reference")
                let payload = ProposalJobPayload(
                    proposalID: try row.decode("id", as: UUID.self), reference: reference, round: try row.decode("round")
                )
                try context.audit(Streams.proposal(reference), "review.conflict_declared", ["reviewer": member.displayName, "proposal": reference])
                try context.enqueue(
                    try NewJobs.make(JobKinds.proposalAssignReviewers, payload, uniqueKey: "assign:\(reference):\(payload.round)"),
                    try NewJobs.make(JobKinds.proposalAggregateReviews, payload, uniqueKey: "aggregate:\(reference):\(payload.round)")
                )
            }
            let record = try loadConflicts(reviewer: member.userID.uuid, on: context.connection).first { $0.organisation == organisationRecord.code }
            guard let record else { throw StoreError(.internal, code: "conflict_not_recorded", "The declaration was not recorded; this is a defect, please report it.") }
            try context.audit(Streams.user(reviewer.trimmingCharacters(in: .whitespaces).lowercased()), "reviewer.conflict_declared", record)
            return record
        }
    }

    /// One committee by code.
    public func committee(_ code: String) throws -> CommitteeRecord {
        try read("committee.show") { connection, viewer in
            let committee = try loadCommittee(code, on: connection)
            guard committee.isVisible(to: viewer) else {
                throw StoreError.notFound("No committee has the code \"\(code)\"; list them with `rrfctl committee list`.")
            }
            return committee
        }
    }

    /// Committees by code, optionally only those of a call (by code).
    public func committees(call: String? = nil) throws -> [CommitteeRecord] {
        try read("committee.list") { connection, viewer in
            try connection.query(CommitteeRecord.select + " WHERE ($1::text IS NULL OR c.code = upper($1)) ORDER BY m.code", [call])
                .rows.map(CommitteeRecord.init(row:)).filter { $0.isVisible(to: viewer) }
        }
    }

    /// The conflicts of interest declared, by reviewer and organisation (optionally one reviewer's).
    public func conflicts(reviewer: String? = nil) throws -> [ConflictRecord] {
        try read("committee.conflicts") { connection, viewer in
            // Staff see every declaration; anyone else only their own.
            let own = viewer.actor.flatMap { AccessPolicy.read(.people, by: $0) == .allowed ? nil : $0.userID.uuid }
            let id = try reviewer.map { try resolveActor($0, includingDeactivated: true, on: connection).userID.uuid }
            if let own, let id, id != own { return [] }
            return try loadConflicts(reviewer: own ?? id, on: connection)
        }
    }

    // MARK: Internals

    func loadCommittee(_ code: String, lock: RowLock = .unlocked, on connection: Connection) throws -> CommitteeRecord {
        let normalised = code.trimmingCharacters(in: .whitespaces).uppercased()
        if lock != .unlocked {
            _ = try connection.query("SELECT id FROM committees WHERE code = $1" + lock.rawValue, [normalised])
        }
        guard let row = try connection.query(CommitteeRecord.select + " WHERE m.code = $1", [normalised]).first else {
            throw StoreError.notFound("No committee has the code \"\(code)\"; list them with `rrfctl committee list`.")
        }
        return try CommitteeRecord(row: row)
    }

    private func loadConflicts(reviewer: UUID?, on connection: Connection) throws -> [ConflictRecord] {
        try connection.query(
            """
            SELECT u.login AS reviewer, o.code AS organisation, d.reason, d.declared_on::text AS declared_on, b.login AS recorded_by, d.recorded_at
            FROM conflict_declarations d JOIN users u ON u.id = d.user_id JOIN organisations o ON o.id = d.organisation_id
            LEFT JOIN users b ON b.id = d.recorded_by
            WHERE $1::uuid IS NULL OR d.user_id = $1
            ORDER BY u.login, o.code
            """,
            [reviewer]
        ).rows.map { row in
            ConflictRecord(
                reviewer: try row.decode("reviewer"), organisation: try row.decode("organisation"), reason: try row.decode("reason"),
                declaredOn: try LocalDate(parsing: try row.decode("declared_on")), recordedBy: try row.decode("recorded_by"),
                recordedAt: try row.decode("recorded_at")
            )
        }
    }

    /// A user who holds the reviewer role, as an actor (with affiliations).
    func requireReviewerUser(_ login: String, on connection: Connection) throws -> Actor {
        let user: Actor
        do {
            user = try resolveActor(login, on: connection)
        } catch let error as StoreError where error.code == "unknown_actor" {
            throw StoreError.notFound("No user has the login \"\(login)\"; list them with `rrfctl user list`.")
        }
        try ReviewPanel.requireReviewer(user)
        return user
    }

    /// Runs `body`, turning violations of the peer review constraints and triggers (sql/0004) into sentences.
    @discardableResult
    func mappingReviewConstraints<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError {
            let sentences: [String: (String, String)] = [
                "committees_code_key": ("committee_code_taken", "Another committee already has this code; choose a different code."),
                "committees_code_format": ("committee_code_invalid", "A committee code is 2 to 32 capital letters, digits, '-' or '_', e.g. PRC-HEALTH."),
                "committees_one_per_call_cluster": ("committee_exists", "The call already has a committee for this cluster; add members to it instead."),
                "committees_one_standing_per_cluster": ("committee_exists", "The cluster already has a standing committee; add members to it instead."),
                "calls_scorecard_fixed": ("scorecard_fixed", "The scorecard cannot change once a proposal of the call has a review; it is fixed before review."),
                "reviews_reviewer_not_conflicted": ("reviewer_conflict_declared", "The reviewer has a conflict of interest with the proposal's organisation and cannot review it."),
            ]
            if let constraint = error.constraint, let sentence = sentences[constraint] {
                throw StoreError(.rejected, code: sentence.0, sentence.1, underlying: error)
            }
            throw error
        }
    }
}

extension Streams {
    /// The audit stream of a committee.
    public static func committee(_ code: String) -> String { "committee:\(code)" }
}

extension CommitteeRecord {
    /// Staff see every committee; a member sees their own.
    func isVisible(to viewer: Viewer) -> Bool {
        guard let actor = viewer.actor, AccessPolicy.read(.people, by: actor) != .allowed else { return true }
        return members.contains { $0.login == viewer.login }
    }
}
