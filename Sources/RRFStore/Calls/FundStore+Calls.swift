import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// A cluster's envelope in a call (table `call_envelopes`).
public struct EnvelopeRecord: Codable, Sendable, Equatable {
    public let cluster: Cluster
    public let amount: Money
    public let committed: Money

    /// What is left for approvals.
    public var uncommitted: Money { Money(minorUnits: amount.minorUnits - committed.minorUnits, currency: amount.currency) }
}

/// A call (allocation) as stored (tables `calls`, `call_envelopes`).
public struct CallRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let code: String
    /// The stored state (JSON key `state`).
    public let stateName: CallMachine.State.Name
    public let configuration: CallConfiguration
    public let envelopes: [EnvelopeRecord]
    public let version: Int

    /// draft | open | closed | decided | archived
    public var state: String { stateName.rawValue }

    /// The call's state machine rebuilt from the record.
    /// Typed throwing like the other records' machines, though a call's state needs nothing beyond its name, which
    /// is checked when the row is read.
    public var machine: CallMachine {
        get throws(StoreError) {
            let state: CallMachine.State
            switch stateName {
            case .draft: state = .draft(configuration)
            case .open: state = .open(configuration)
            case .closed: state = .closed(configuration)
            case .decided: state = .decided(configuration)
            case .archived: state = .archived(configuration)
            }
            return CallMachine(state: state)
        }
    }

    static let columns = """
        id, code, title, kind, currency, ceiling_minor, submission_deadline, review_deadline, decision_sla_unit,
        decision_sla_amount, scorecard::text AS scorecard, quorum, divergence_spread, state, version
        """

    enum CodingKeys: String, CodingKey {
        case id, code, stateName = "state", configuration, envelopes, version
    }
}

/// The scorecard used when a call is created without one.
public enum CallDefaults {
    public static let scorecard: Scorecard = {
        // Valid by construction: weights sum to 100, threshold within 0…100.
        (try? Scorecard(
            criteria: [
                Criterion(id: "relevance", title: "Relevance to the needs", weight: 30, maxScore: 5),
                Criterion(id: "feasibility", title: "Feasibility and access", weight: 30, maxScore: 5),
                Criterion(id: "value_for_money", title: "Value for money", weight: 20, maxScore: 5),
                Criterion(id: "capacity", title: "Capacity of the partner", weight: 20, maxScore: 5),
            ],
            passThreshold: 60
        ))!
    }()
}

extension FundStore {
    /// Creates a draft call (secretariat). Its envelopes are the configuration's `envelopes`.
    public func createCall(code: String, configuration: CallConfiguration, as login: String) throws -> CallRecord {
        try command("call.create", as: login) { context in
            var configuration = configuration
            configuration.title = try Validate.text(configuration.title, field: "call title", maximum: 300)
            var machine = CallMachine(state: .draft(configuration))
            let action = try machine.configure(configuration, at: context.now, calendar: calendar, by: context.actor)
            let code = code.trimmingCharacters(in: .whitespaces).uppercased()
            return try required(CallExecutor(store: self, loaded: nil, context: context).perform(action, machine: machine, code: code, event: "call.created"))
        }
    }

    /// Replaces the envelopes of a draft call: one amount per funded cluster (secretariat).
    public func setCallEnvelopes(_ code: String, _ envelopes: [Cluster: Money], expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try callCommand("call.set_envelopes", code, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            var configuration = loaded.configuration
            configuration.envelopes = envelopes
            let action = try machine.configure(configuration, at: context.now, calendar: calendar, by: context.actor)
            try Funding.changeEnvelopes(
                to: configuration.envelopes, currency: configuration.currency, funded: try fundedEnvelopes(loaded, on: context.connection), call: loaded.code
            )
            return (action, "call.envelopes_set")
        }
    }

    /// Opens a draft call after checking its configuration, and schedules its closing (secretariat).
    public func openCall(_ code: String, expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try callCommand("call.open", code, expectedVersion: expectedVersion, as: login) { machine, _, context in
            (try machine.open(at: context.now, calendar: calendar, by: context.actor), "call.opened")
        }
    }

    /// Closes an open call (secretariat; the daemon does it at the deadline).
    public func closeCall(_ code: String, expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try callCommand("call.close", code, expectedVersion: expectedVersion, as: login) { machine, _, context in
            (try machine.close(at: context.now, by: context.actor), "call.closed")
        }
    }

    /// One call by code.
    public func call(_ code: String) throws -> CallRecord {
        try read("call.show") { connection, _ in try loadCall(code, lock: .unlocked, on: connection) }
    }

    /// A page of the calls ordered by submission deadline (latest first), optionally only those in `state`, after
    /// `cursor` (the previous page's ``Page/next``).
    public func calls(state: String? = nil, limit: Int = 100, after cursor: PageCursor? = nil) throws -> Page<CallRecord> {
        try read("call.list") { connection, _ in
            let codes = try connection.page(
                "SELECT code FROM calls", where: "$1::text IS NULL OR state = $1", [state],
                orderedBy: [PageKey("submission_deadline", "timestamptz", descending: true), PageKey("code", "text")],
                limit: Validate.limit(limit), after: cursor
            ) { try $0.decode("code", as: String.self) }
            return try codes.mapItems { try loadCall($0, lock: .unlocked, on: connection) }
        }
    }

    // MARK: Internals

    /// Refuses a new configuration of a draft call that would lose donor money already deposited: a funded
    /// cluster must keep its envelope, and a call holding funding keeps its currency.
    /// The donor funding each envelope of the call holds, in its current currency.
    func fundedEnvelopes(_ loaded: CallRecord, on connection: Connection) throws -> [Cluster: Money] {
        var funded: [Cluster: Money] = [:]
        for envelope in loaded.envelopes {
            let account = LedgerAccountKey.envelope(
                callID: loaded.id, callCode: loaded.code, cluster: envelope.cluster.rawValue, currency: loaded.configuration.currency.code
            )
            funded[envelope.cluster] = Money(minorUnits: try Ledger.balance(account, lock: true, on: connection), currency: loaded.configuration.currency)
        }
        return funded
    }

    func callCommand(
        _ name: String, _ code: String, expectedVersion: Int?, as login: String,
        _ event: (inout CallMachine, CallRecord, CommandContext) throws -> (CallMachine.Action, String)
    ) throws -> CallRecord {
        try command(name, as: login) { context in
            let loaded = try loadCallForUpdate(code, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The call \(loaded.code)")
            var machine = try loaded.machine
            let (action, event) = try event(&machine, loaded, context)
            return try required(CallExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine, event: event))
        }
    }

    /// The call a command's action left, which only a deletion does not.
    private func required(_ record: CallRecord?) throws -> CallRecord {
        guard let record else { throw StoreError(.internal, code: "call_missing", "The call is gone after a command that keeps it; this is a defect, please report it.") }
        return record
    }

    func writeEnvelopes(callID: UUID, _ envelopes: [Cluster: Money], on connection: Connection) throws {
        let sorted = envelopes.sorted { $0.key.rawValue < $1.key.rawValue }
        try connection.query(
            "DELETE FROM call_envelopes WHERE call_id = $1 AND NOT (cluster = ANY($2::text[]))", [callID, sorted.map(\.key.rawValue)]
        )
        try connection.query(
            """
            INSERT INTO call_envelopes (call_id, cluster, amount_minor)
            SELECT $1, cluster, amount FROM unnest($2::text[], $3::bigint[]) AS e(cluster, amount)
            ON CONFLICT (call_id, cluster) DO UPDATE SET amount_minor = excluded.amount_minor
            """,
            [callID, sorted.map(\.key.rawValue), sorted.map(\.value.minorUnits)]
        )
    }

    static func slaColumns(_ sla: DecisionSLA) -> (String, Int) {
        switch sla {
        case .businessHours(let hours): ("business_hours", hours)
        case .businessDays(let days): ("business_days", days)
        }
    }

    func loadCallForUpdate(_ code: String, on connection: Connection) throws -> CallRecord {
        try loadCall(code, lock: .update, on: connection)
    }

    func loadCall(_ code: String, lock: RowLock, on connection: Connection) throws -> CallRecord {
        let normalised = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard let row = try connection.query(
            "SELECT \(CallRecord.columns) FROM calls WHERE code = $1" + lock.rawValue, [normalised]
        ).first else {
            throw StoreError.notFound("No call has the code \"\(code)\"; list them with `rrfctl call list`.")
        }
        return try callRecord(row, on: connection)
    }

    func loadCall(id: UUID, lock: RowLock, on connection: Connection) throws -> CallRecord {
        let row = try connection.query(
            "SELECT \(CallRecord.columns) FROM calls WHERE id = $1" + lock.rawValue, [id]
        ).single()
        return try callRecord(row, on: connection)
    }

    private func callRecord(_ row: Row, on connection: Connection) throws -> CallRecord {
        let id: UUID = try row.decode("id")
        let currency = try Currency.stored(try row.decode("currency"))
        let envelopeRows = try connection.query(
            "SELECT cluster, amount_minor, committed_minor FROM call_envelopes WHERE call_id = $1 ORDER BY cluster", [id]
        )
        let envelopes = try envelopeRows.rows.map { row in
            EnvelopeRecord(
                cluster: try Cluster.stored(try row.decode("cluster")),
                amount: Money(minorUnits: try row.decode("amount_minor"), currency: currency),
                committed: Money(minorUnits: try row.decode("committed_minor"), currency: currency)
            )
        }
        let slaAmount: Int = try row.decode("decision_sla_amount")
        let sla: DecisionSLA = try row.decode("decision_sla_unit", as: String.self) == "business_days" ? .businessDays(slaAmount) : .businessHours(slaAmount)
        let kind = CallKind(rawValue: try row.decode("kind")) ?? .standard
        let configuration = CallConfiguration(
            title: try row.decode("title"), kind: kind, currency: currency,
            envelopes: Dictionary(uniqueKeysWithValues: envelopes.map { ($0.cluster, $0.amount) }),
            perProposalCeiling: Money(minorUnits: try row.decode("ceiling_minor"), currency: currency),
            submissionDeadline: try row.decode("submission_deadline"), reviewDeadline: try row.decode("review_deadline"),
            decisionSLA: sla, scorecard: try row.decode("scorecard", as: JSONValue<Scorecard>.self).value,
            quorum: try row.decode("quorum"), divergenceSpread: try row.decode("divergence_spread")
        )
        let code: String = try row.decode("code")
        return CallRecord(
            id: id, code: code, stateName: try .stored(in: row, of: "The call \(code)"), configuration: configuration,
            envelopes: envelopes, version: try row.decode("version")
        )
    }
}

extension Currency {
    /// A currency read from the database.
    static func stored(_ code: String) throws -> Currency {
        do { return try Currency(code: code) } catch { throw PostgresError(.decoding, "unknown currency \(code)") }
    }
}

extension Cluster {
    /// A cluster read from the database.
    static func stored(_ code: String) throws -> Cluster {
        do { return try Cluster(code: code) } catch { throw PostgresError(.decoding, "unknown cluster \(code)") }
    }
}

/// The row lock a load takes.
enum RowLock: String {
    case unlocked = ""
    /// Others may read and share-lock, not change (facts a command relies on).
    case share = " FOR SHARE"
    /// The aggregate the command changes. `NO KEY UPDATE` (what an UPDATE that keeps the key takes anyway) so
    /// that rows referencing it by foreign key can still be inserted by others meanwhile.
    case update = " FOR NO KEY UPDATE"
}
