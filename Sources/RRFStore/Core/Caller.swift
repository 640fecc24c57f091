import Foundation
import Postgres
import RRFWorkflow

/// Who calls a ``FundStore``.
public enum Caller: Sendable {
    /// In-process code trusted with the database (rrfd's jobs, the operator's commands, tests' set-up):
    /// a command acts as the login it names and a read sees everything.
    case trusted
    /// A person proved by a session or API token; `actingFor` is an administrator's explicit impersonation.
    case signedIn(token: String, actingFor: String?)
}

/// Where calls come from, as the security log records it.
public enum Channel: String, Sendable, Codable, CaseIterable {
    case cli, web, api, daemon
}

/// Who reads, and what they may see: the store asks it for each record it returns and each list it queries.
struct Viewer: Sendable {
    /// The person reading; nil for trusted code, which sees everything.
    let actor: Actor?
    /// Their login (nil for trusted code).
    var login: String?

    /// Refuses unless the reader may see `record`, answering out-of-scope records with `notFound`, the same
    /// sentence as a record that does not exist.
    func require(_ record: AccessPolicy.Record, notFound: @autoclosure () -> StoreError) throws {
        guard let actor else { return }
        try AccessPolicy.require(record, by: actor, notFound: notFound())
    }

    /// Which rows of `listing` the reader sees.
    func visibility(_ listing: AccessPolicy.Listing) -> AccessPolicy.Visibility {
        actor.map { AccessPolicy.visibility(of: listing, for: $0) } ?? .all
    }

    /// The organisations a list is limited to: nil for every row, otherwise the ids (empty: no row).
    /// A reviewer's `assignedTo` has no organisation rows, so it limits to none here.
    func organisationFilter(_ listing: AccessPolicy.Listing) -> [UUID]? {
        switch visibility(listing) {
        case .all: nil
        case .organisations(let ids): ids.map(\.uuid).sorted { $0.uuidString < $1.uuidString }
        case .assignedTo, .none: []
        }
    }

    /// The reviewer a proposal list is limited to (their assignments), if any.
    func reviewerFilter(_ listing: AccessPolicy.Listing) -> UUID? {
        if case .assignedTo(let user) = visibility(listing) { return user.uuid }
        return nil
    }
}

/// What the security log records of a refusal, filled in as the command learns it.
final class RefusalContext {
    /// The login acting (or claimed), once known.
    var actor: String?
    /// The record the command was aimed at.
    var target: String?

    init(actor: String?, target: String?) {
        self.actor = actor
        self.target = target
    }
}

/// The person a command acts as.
struct ActingActor {
    let actor: Actor
    /// The person's login.
    let login: String
    /// What the audit log records: the login, or `admin for login` under impersonation.
    let recordedLogin: String
}

extension FundStore {
    /// A command that acts as a person needs a signed-in caller.
    static let signInRequired = StoreError(
        .unauthenticated, code: "sign_in_required",
        "Sign in first: run `rrfctl login` (or set RRF_TOKEN to an API token); this command acts as a person."
    )

    /// Who acts: for trusted code the `claimed` login; for a signed-in caller the token's person (checked now,
    /// in this transaction), or the person an administrator impersonates. A signed-in caller's claim, when
    /// given, must be that person.
    func actingActor(claimed: String, on connection: Connection, at now: Date) throws -> ActingActor {
        switch caller {
        case .trusted:
            let actor = try resolveActor(claimed, on: connection)
            let login = claimed.trimmingCharacters(in: .whitespaces).lowercased()
            return ActingActor(actor: actor, login: login, recordedLogin: login)
        case .signedIn(let token, let actingFor):
            let holder = try authenticate(token: token, on: connection, at: now)
            var acting = ActingActor(actor: try resolveActor(holder, on: connection), login: holder, recordedLogin: holder)
            if let actingFor, !actingFor.isEmpty {
                let target = actingFor.trimmingCharacters(in: .whitespaces).lowercased()
                let person = try resolveActor(target, on: connection)
                acting = ActingActor(
                    actor: try Impersonation.act(for: person, by: acting.actor, login: holder), login: target, recordedLogin: "\(holder) for \(target)"
                )
            }
            let claim = claimed.trimmingCharacters(in: .whitespaces).lowercased()
            guard claim.isEmpty || claim == acting.login else {
                throw StoreError(
                    .forbidden, code: "not_signed_in_as",
                    "You are signed in as \(holder), not \(claim); sign in as \(claim), or as an administrator act for them with --as."
                )
            }
            return acting
        }
    }

    /// Confines the transaction to the application role and to what `actor` may see (row-level security in
    /// PostgreSQL, sql/0022): an NGO user's statements only ever touch their own organisation's rows.
    func confine(to actor: Actor?, on connection: Connection) throws {
        let scope: String
        switch actor.map(AccessPolicy.databaseScope(for:)) ?? .fund {
        case .fund: scope = "fund"
        case .organisation(let id): scope = "organisation:\(id.uuid.uuidString.lowercased())"
        }
        try connection.queryPrepared("SELECT set_config('role', 'rrf_app', true), set_config('rrf.scope', $1, true)", [scope])
    }
}

extension FundStore {
    /// The refusal of a fund-wide financial read (ledger, KPIs, exports) to someone outside finance.
    static let financeOnly = StoreError(
        .forbidden, code: "role_required", "Only the secretariat, a fund manager or a finance officer can read the fund's finances."
    )

    /// The refusal of a training-wide read (attendance, course reports) to someone outside training.
    static let trainingStaffOnly = StoreError(
        .forbidden, code: "role_required", "Only a trainer, the secretariat or a fund manager can read training records."
    )
}
