import Foundation
import Logging
import Notifications
import Postgres
import RRFWorkflow

/// A token just issued: the secret is shown once, to the person who signed in, and stored only as a hash.
public struct IssuedToken: Sendable {
    /// The bearer secret (`rrf_…`): keep it private; it is never printed by `--json` or logged.
    public let secret: String
    /// The token's record.
    public let record: AccessTokenRecord
}

extension FundStore {
    /// How long a sign-in lasts: a web session 12 hours, a CLI sign-in 7 days.
    static func lifetime(of kind: AccessTokenRecord.Kind, channel: Channel) -> TimeInterval {
        switch (kind, channel) {
        case (.session, .web): 12 * 3600
        case (.session, _): 7 * 24 * 3600
        case (.api, _): 90 * 24 * 3600
        }
    }

    /// Signs a person in with their password and, for the roles that need it, a one-time code or an unused
    /// recovery code; issues a session token for this store's channel. Failures count towards a lock-out
    /// (``SignInMachine``), which the administrators are told of; the refusal names neither which of login,
    /// password or code was wrong.
    /// - Throws: `sign_in_failed`, `one_time_code_required`, `account_locked` (unauthenticated).
    public func signIn(login rawLogin: String, password: String, code: String? = nil, label: String? = nil) throws -> IssuedToken {
        let login = rawLogin.trimmingCharacters(in: .whitespaces).lowercased()
        let refusal = RefusalContext(actor: login, target: nil)
        let outcome: Result<IssuedToken, StoreError> = try transaction("sign_in", actorLogin: login) { connection, now, _ in
            try confine(to: nil, on: connection)
            guard let row = try connection.queryPrepared(
                """
                SELECT u.id, u.deactivated_at, c.password_hash, c.totp_secret, c.totp_enrolled_at, c.totp_last_step,
                       c.failed_attempts, c.lockouts, c.locked_until,
                       coalesce((SELECT json_agg(role) FROM user_roles r WHERE r.user_id = u.id), '[]') AS roles
                FROM users u JOIN user_credentials c ON c.user_id = u.id WHERE u.login = $1 FOR UPDATE OF c
                """,
                [login]
            ).first, try row.decode("deactivated_at", as: Date?.self) == nil, let hash = try row.decode("password_hash", as: String?.self) else {
                _ = PasswordHash.matches(password, hash: PasswordHash.decoy)
                return .failure(StoreError(.unauthenticated, code: SignInMachine.refusal.code, SignInMachine.refusal.message))
            }
            let userID: UUID = try row.decode("id")
            let roles = Set(try row.decode("roles", as: JSONValue<[Role]>.self).value)
            let lockedUntil: Date? = try row.decode("locked_until")
            let lockouts: Int = try row.decode("lockouts")
            var machine = SignInMachine(
                state: lockedUntil.map { .locked(until: $0, lockouts: lockouts) } ?? .open(failures: try row.decode("failed_attempts"), lockouts: lockouts)
            )
            let locked = { if case .locked(let until, _) = machine.state { until > now } else { false } }()
            let passwordMatches = !locked && PasswordHash.matches(password, hash: hash)
            let needsCode = SignInMachine.needsOneTimePassword(roles)
            var acceptedStep: Int64?
            var usedRecoveryCode: Data?
            if passwordMatches, needsCode, let code, !code.isEmpty {
                let otp = try (row.decode("totp_secret", as: String?.self)).flatMap(OneTimePassword.init(base32:))
                acceptedStep = otp?.matchingStep(code, at: now, after: try row.decode("totp_last_step"))
                if acceptedStep == nil {
                    usedRecoveryCode = try connection.queryPrepared(
                        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING code_hash",
                        [userID, Secrets.hash(Secrets.normalisedRecoveryCode(code)), now]
                    ).first?.decode("code_hash")
                }
            }
            let secondFactor: Bool? = (code ?? "").isEmpty ? nil : (acceptedStep != nil || usedRecoveryCode != nil)
            let action = machine.attempt(
                SignInMachine.Attempt(passwordMatches: passwordMatches, needsSecondFactor: needsCode, secondFactorValid: secondFactor), at: now
            )
            let (failures, newLockouts, newLockedUntil): (Int, Int, Date?) = switch machine.state {
            case .open(let failures, let lockouts): (failures, lockouts, nil)
            case .locked(let until, let lockouts): (0, lockouts, until)
            }
            try connection.queryPrepared(
                """
                UPDATE user_credentials SET failed_attempts = $2, lockouts = $3, locked_until = $4,
                       totp_last_step = coalesce($5, totp_last_step), totp_enrolled_at = CASE WHEN $5::bigint IS NOT NULL
                       OR $6::bool THEN coalesce(totp_enrolled_at, $7) ELSE totp_enrolled_at END
                WHERE user_id = $1
                """,
                [userID, failures, newLockouts, newLockedUntil, acceptedStep, usedRecoveryCode != nil, now]
            )
            switch action {
            case .signIn:
                let issued = try issueToken(
                    userID: userID, kind: .session, label: label ?? "\(channel.rawValue) sign-in", lifetime: Self.lifetime(of: .session, channel: channel),
                    on: connection, at: now
                )
                try AuditLog.append(
                    stream: Streams.user(login), type: "user.signed_in", actor: login, at: now,
                    payload: SignInEvent(channel: channel.rawValue, token: issued.record.id, recoveryCodeUsed: usedRecoveryCode != nil), on: connection
                )
                return .success(issued)
            case .refuse(let rejection, let lockedUntil):
                if let lockedUntil { try tellAdministrators(locked: login, until: lockedUntil, on: connection, at: now) }
                return .failure(StoreError(.unauthenticated, code: rejection.code, rejection.message))
            }
        }
        switch outcome {
        case .success(let issued):
            return issued
        case .failure(let error):
            logger.notice("sign-in refused", metadata: ["actor": "\(login)", "code": "\(error.code)"])
            recordRefusal(error, command: "sign_in", context: refusal, at: clock())
            throw error
        }
    }

    /// Tells every active administrator that `login` was locked out.
    private func tellAdministrators(locked login: String, until: Date, on connection: Connection, at now: Date) throws {
        let admins = try connection.queryPrepared(
            """
            SELECT u.login, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
            WHERE r.role = 'admin' AND u.deactivated_at IS NULL AND u.email IS NOT NULL ORDER BY u.login
            """
        )
        for admin in admins.rows {
            try Outbox.enqueue(
                OutboxMessage(
                    idempotencyKey: "lockout|\(login)|\(Int64(now.timeIntervalSince1970))|\(try admin.decode("login", as: String.self))",
                    recipient: try admin.decode("email"),
                    subject: "[RRF] \(login) is locked out after repeated failed sign-ins",
                    body: "The account \(login) failed to sign in \(SignInMachine.attemptsBeforeLock) times in a row and is locked until "
                        + "\(until.formatted(.iso8601)). If that was not them, someone may be guessing the password: check "
                        + "`rrfctl audit refusals --actor \(login)`. Unlock with `rrfctl user unlock \(login)` once you know it was them."
                ),
                on: connection
            )
        }
    }

    /// Writes a new token's hash and returns its secret.
    func issueToken(userID: UUID, kind: AccessTokenRecord.Kind, label: String, lifetime: TimeInterval, on connection: Connection, at now: Date) throws -> IssuedToken {
        let secret = Secrets.token(prefix: "rrf_")
        let id = UUID()
        let label = try Validate.text(label, field: "token label", maximum: 100)
        try connection.queryPrepared(
            """
            INSERT INTO access_tokens (id, user_id, kind, label, source, token_hash, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [id, userID, kind.rawValue, label, channel == .daemon ? "cli" : channel.rawValue, Secrets.hash(secret), now, now.addingTimeInterval(lifetime)]
        )
        let record = try AccessTokenRecord(row: connection.queryPrepared(AccessTokenRecord.select + " WHERE t.id = $1", [id]).single())
        return IssuedToken(secret: secret, record: record)
    }

    /// The login of the live token `secret` (not revoked, not expired, its user active); refreshes its last use
    /// at most once a minute.
    /// - Throws: `sign_in_required` (unauthenticated) otherwise.
    func authenticate(token secret: String, on connection: Connection, at now: Date) throws -> String {
        guard let row = try connection.queryPrepared(
            """
            SELECT t.id, u.login, t.last_used_at FROM access_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.deactivated_at IS NULL
            """,
            [Secrets.hash(secret), now]
        ).first else {
            throw StoreError(
                .unauthenticated, code: "sign_in_required",
                "Your sign-in is no longer valid (expired, revoked, or the account was deactivated); run `rrfctl login` again."
            )
        }
        if let last: Date = try row.decode("last_used_at"), now.timeIntervalSince(last) < 60 { return try row.decode("login") }
        try connection.queryPrepared("UPDATE access_tokens SET last_used_at = $2 WHERE id = $1", [try row.decode("id", as: UUID.self), now])
        return try row.decode("login")
    }
}

/// The audit event of a sign-in: how, and which token (its id, never its secret).
struct SignInEvent: Encodable {
    let channel: String
    let token: UUID
    let recoveryCodeUsed: Bool
}
