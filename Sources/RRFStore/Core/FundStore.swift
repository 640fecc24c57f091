import Foundation
import JobQueue
import Logging
import Postgres
import RRFWorkflow

/// The application commands of the fund, each ONE transaction on a pooled connection:
/// resolve the actor, load the aggregate `FOR UPDATE` (checking an optional expected version), ask the state
/// machine, write the new state with `version = version + 1 WHERE version = old`, append the audit event and
/// enqueue follow-up jobs, all on the same connection. Commands are grouped per aggregate in
/// `FundStore+<Aggregate>.swift`.
///
/// Every refusal is logged and thrown as a `StoreError` whose message is a sentence for people.
public final class FundStore: Sendable {
    /// Where commands run: a pooled connection each, or one caller's connection (joining its transaction).
    enum Executor: Sendable {
        case pool(ConnectionPool)
        case connection(Connection)
    }

    let executor: Executor
    /// Who calls: trusted in-process code, or a person proved by a token.
    public let caller: Caller
    /// Where the calls come from, as the security log records it.
    public let channel: Channel
    /// The fund's working calendar (decision SLA, "today").
    public let calendar: BusinessCalendar
    /// The prefix of proposal references (`RRF` in `RRF-2026-0042`).
    public let referencePrefix: String
    /// The login recorded for what the store does on its own behalf (reminders, aggregation, automatic
    /// assignment): `system` unless the daemon names its service user (`RRFD_ACTOR`).
    public let serviceLogin: String
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Set on the store ``reading(_:isolation:_:)`` hands its body: the transaction already open, its reader
    /// checked and confined once for every read made through this store.
    let session: ReadSession?

    /// Today in the fund's calendar, by the store's clock.
    var today: LocalDate { LocalDate(clock(), utcOffsetMinutes: calendar.utcOffsetMinutes) }

    public convenience init(
        pool: ConnectionPool, calendar: BusinessCalendar = .mondayToFriday, referencePrefix: String = "RRF",
        serviceLogin: String = FundStore.systemActor, logger: Logger = Logger(label: "rrf.store"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(
            executor: .pool(pool), caller: .trusted, channel: .daemon, calendar: calendar, referencePrefix: referencePrefix,
            serviceLogin: serviceLogin, logger: logger, clock: clock
        )
    }

    init(
        executor: Executor, caller: Caller, channel: Channel, calendar: BusinessCalendar, referencePrefix: String, serviceLogin: String,
        logger: Logger, clock: @escaping @Sendable () -> Date, session: ReadSession? = nil
    ) {
        self.session = session
        self.executor = executor
        self.caller = caller
        self.channel = channel
        self.calendar = calendar
        self.referencePrefix = referencePrefix
        self.serviceLogin = serviceLogin.trimmingCharacters(in: .whitespaces).lowercased()
        self.logger = logger
        self.clock = clock
    }

    /// The same store running every command on `connection`, inside the transaction open on it (if any): the
    /// commands' writes commit or roll back with the caller's, e.g. a job handler's completion
    /// (`JobContext.completeInTransaction`). Use it only on the thread that owns `connection`.
    public func within(_ connection: Connection) -> FundStore {
        FundStore(
            executor: .connection(connection), caller: caller, channel: channel, calendar: calendar, referencePrefix: referencePrefix,
            serviceLogin: serviceLogin, logger: logger, clock: clock
        )
    }

    /// The same store, its calls recorded as coming from `channel` (sign-ins, password links, refusals).
    public func via(_ channel: Channel) -> FundStore {
        FundStore(
            executor: executor, caller: caller, channel: channel, calendar: calendar, referencePrefix: referencePrefix,
            serviceLogin: serviceLogin, logger: logger, clock: clock
        )
    }

    /// The same store acting for the person who holds `token` (a session or API token from ``signIn(_:)``):
    /// every command and query checks the token again in its own transaction (so a revoked token or a
    /// deactivated user stops at once), acts as that person, and sees only what ``AccessPolicy`` lets them see.
    /// `actingFor` is an administrator's explicit impersonation of another person, recorded as such.
    public func signedIn(token: String, channel: Channel, actingFor: String? = nil) -> FundStore {
        FundStore(
            executor: executor, caller: .signedIn(token: token, actingFor: actingFor), channel: channel, calendar: calendar,
            referencePrefix: referencePrefix, serviceLogin: serviceLogin, logger: logger, clock: clock
        )
    }

    /// A store whose log messages below `logLevel` (trace, debug, info, notice, warning, error, critical) are dropped.
    public convenience init(
        pool: ConnectionPool, calendar: BusinessCalendar = .mondayToFriday, logLevel: String, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        var logger = Logger(label: "rrf.store")
        logger.logLevel = Logger.Level(rawValue: logLevel.lowercased()) ?? .notice
        self.init(pool: pool, calendar: calendar, logger: logger, clock: clock)
    }

    /// The actor name recorded for commands run by the system (the daemon, the first user's creation).
    public static let systemActor = "system"

    // MARK: Running commands

    /// Runs a command that needs an actor: establishes who acts inside the transaction (``actingActor``), confines
    /// the transaction to what they may see, then runs `body`. `target` names the record for the security log.
    func command<T>(_ name: String, as login: String, target: String? = nil, _ body: (CommandContext) throws -> T) throws -> T {
        try transaction(name, actorLogin: login, target: target) { connection, now, refusal in
            let acting = try actingActor(claimed: login, on: connection, at: now)
            refusal.actor = acting.recordedLogin
            try confine(to: acting.actor, on: connection)
            return try body(CommandContext(connection: connection, actor: acting.actor, login: acting.login, recordedActor: acting.recordedLogin, now: now, store: self))
        }
    }

    /// Runs a command the store does on its own behalf, recorded as ``serviceLogin``: as the built-in system actor
    /// (the secretariat's authority, no user row) when that is `system`, otherwise as that user. Only trusted
    /// in-process code (the daemon) runs these.
    func serviceCommand<T>(_ name: String, _ body: (CommandContext) throws -> T) throws -> T {
        guard case .trusted = caller else { throw Self.signInRequired }
        guard serviceLogin == Self.systemActor else { return try command(name, as: serviceLogin, body) }
        return try transaction(name, actorLogin: Self.systemActor) { connection, now, _ in
            try confine(to: nil, on: connection)
            return try body(CommandContext(
                connection: connection, actor: Self.systemIdentity, login: Self.systemActor, recordedActor: Self.systemActor, now: now, store: self
            ))
        }
    }

    /// The system as an actor: the secretariat's role, no affiliation, the nil UUID (never written as a user).
    static let systemIdentity: Actor = {
        // Valid by construction: no ngo_user role, so no affiliation is required.
        (try? Actor(userID: UserID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))), displayName: "RRF system", roles: [.secretariat]))!
    }()

    /// Runs a read on a pooled connection, mapping errors like a command. `body` gets the ``Viewer``: who reads,
    /// to ask for each record and list what they may see (trusted code sees everything).
    func read<T>(_ name: String, isolation: IsolationLevel = .readCommitted, _ body: (Connection, Viewer) throws -> T) throws -> T {
        if let session { return try session.read(name, isolation: isolation, body) }
        return try transaction(name, actorLogin: nil, isolation: isolation) { connection, now, refusal in
            let viewer: Viewer
            switch caller {
            case .trusted:
                viewer = Viewer(actor: nil)
            case .signedIn:
                let acting = try actingActor(claimed: "", on: connection, at: now)
                refusal.actor = acting.recordedLogin
                viewer = Viewer(actor: acting.actor, login: acting.login)
            }
            try confine(to: viewer.actor, on: connection)
            return try body(connection, viewer)
        }
    }

    /// Runs `body` in one transaction and turns every failure into a `StoreError`; a refusal is logged and
    /// written to the security log (``SecurityLog``) after the transaction rolled back.
    func transaction<T>(
        _ name: String, actorLogin: String?, target: String? = nil, isolation: IsolationLevel = .readCommitted,
        _ body: (Connection, Date, RefusalContext) throws -> T
    ) throws -> T {
        let now = clock()
        let refusal = RefusalContext(actor: actorLogin.flatMap { $0.isEmpty ? nil : $0 }, target: target)
        do {
            switch executor {
            case .pool(let pool): return try pool.withTransaction(isolation) { connection in try body(connection, now, refusal) }
            case .connection(let connection): return try connection.withTransaction(isolation) { connection in try body(connection, now, refusal) }
            }
        } catch {
            let storeError = Self.storeError(from: error)
            switch storeError.kind {
            case .rejected, .forbidden, .conflict, .notFound, .unauthenticated:
                logger.notice("command refused", metadata: [
                    "command": "\(name)", "actor": "\(refusal.actor ?? "-")", "code": "\(storeError.code)", "reason": "\(storeError.message)",
                ])
                recordRefusal(storeError, command: name, context: refusal, at: now)
            case .configuration, .internal:
                logger.error("command failed", metadata: [
                    "command": "\(name)", "actor": "\(refusal.actor ?? "-")", "error": "\(storeError.underlying?.description ?? storeError.message)",
                ])
            }
            throw storeError
        }
    }

    /// Maps any error of a command to a `StoreError` with a sentence.
    static func storeError(from error: any Error) -> StoreError {
        switch error {
        case let error as StoreError:
            return error
        case let rejection as WorkflowRejection:
            return StoreError(rejection)
        case let error as PostgresError:
            return ConstraintMessages.storeError(for: error)
        case let error as PageCursorError:
            return StoreError(.rejected, code: "cursor_invalid", error.description)
        default:
            return StoreError(.internal, code: "internal", "The command failed unexpectedly: \(error).")
        }
    }

    /// The acting user with roles and affiliations.
    /// - Throws: `StoreError(.forbidden, code: "unknown_actor")` when no user has this login, `user_deactivated`
    ///   (forbidden) when the user was deactivated.
    /// `includingDeactivated` resolves a deactivated user too, for commands that act on them rather than as them
    /// (e.g. recusing the pending reviews of a reviewer who left).
    func resolveActor(_ login: String, includingDeactivated: Bool = false, on connection: Connection) throws -> Actor {
        let normalised = login.trimmingCharacters(in: .whitespaces).lowercased()
        guard !normalised.isEmpty else {
            throw StoreError(.forbidden, code: "actor_missing", "Say who acts: sign in with `rrfctl login`.")
        }
        guard let row = try connection.queryPrepared(
            """
            SELECT u.id, u.login, u.display_name, u.deactivated_at,
                   coalesce((SELECT json_agg(role ORDER BY role) FROM user_roles r WHERE r.user_id = u.id), '[]') AS roles,
                   coalesce((SELECT json_agg(organisation_id) FROM user_organisations o WHERE o.user_id = u.id), '[]') AS organisations
            FROM users u WHERE u.login = $1
            """,
            [normalised]
        ).first else {
            throw StoreError(.forbidden, code: "unknown_actor", "No user has the login \"\(login)\"; check the login (signed in, or given with --as).")
        }
        if !includingDeactivated {
            try UserAccountMachine.requireActive(try row.decode("login"), deactivatedAt: try row.decode("deactivated_at"))
        }
        let roles = try row.decode("roles", as: JSONValue<[Role]>.self).value
        let organisations = try row.decode("organisations", as: JSONValue<[OrganisationID]>.self).value
        return try Actor(
            userID: UserID(try row.decode("id", as: UUID.self)), displayName: try row.decode("display_name"),
            roles: Set(roles), organisationIDs: Set(organisations)
        )
    }
}

/// What a command body works with: its transaction's connection, the actor, the moment of the command.
struct CommandContext {
    let connection: Connection
    let actor: Actor
    /// The login of the person the command acts as.
    let login: String
    /// The actor the audit log records: the login, or `admin for login` under an administrator's impersonation.
    let recordedActor: String
    let now: Date
    let store: FundStore

    /// The actor as a reader: what the command may load.
    var viewer: Viewer { Viewer(actor: actor, login: login) }

    /// "Today" in the fund's calendar.
    var today: LocalDate { LocalDate(now, utcOffsetMinutes: store.calendar.utcOffsetMinutes) }

    /// Appends the command's audit event in this transaction.
    @discardableResult
    func audit(_ stream: String, _ type: String, _ payload: some Encodable) throws -> AuditEvent {
        try AuditLog.append(stream: stream, type: type, actor: recordedActor, at: now, payload: payload, on: connection)
    }

    /// Enqueues follow-up jobs in this transaction.
    func enqueue(_ jobs: NewJob...) throws {
        try Jobs.enqueue(jobs, on: connection)
    }

    /// Refuses when the loaded version is not the one the caller saw.
    func requireVersion(_ loaded: Int, expected: Int?, of what: String) throws {
        if let expected, expected != loaded {
            throw StoreError.changedSinceLoaded(what)
        }
    }

    /// Runs an `UPDATE … WHERE id = $1 AND version = $2` and refuses when no row matched.
    func updateVersioned(_ sql: String, _ parameters: [(any PostgresEncodable)?], what: String) throws {
        let result = try connection.query(sql, parameters)
        guard result.affectedRows == 1 else { throw StoreError.changedSinceLoaded(what) }
    }
}

extension StoreError {
    /// A refusal of the fund's rules. Permission refusals (`role_required`, `conflict_of_interest`,
    /// `actor_not_in_organisation`) are `.forbidden`, the others `.rejected`.
    public init(_ rejection: WorkflowRejection) {
        let forbidden: Set<String> = [
            "role_required", "conflict_of_interest", "actor_not_in_organisation", "ngo_user_needs_one_organisation", "user_deactivated",
            "actor_missing", "not_session_trainer", "not_assigned_reviewer", "impersonation_not_allowed", "not_signed_in_as", "blind_review",
        ]
        self.init(forbidden.contains(rejection.code) ? .forbidden : .rejected, code: rejection.code, rejection.message)
    }

    /// Someone changed the record since the caller loaded it.
    public static func changedSinceLoaded(_ what: String) -> StoreError {
        StoreError(.conflict, code: "changed_since_loaded", "\(what) changed since you loaded it; reload and try again.")
    }
}
