import Foundation

/// One account's sign-in: back-off and lock-out after repeated failures, and which factors a sign-in needs.
///
/// After ``attemptsBeforeLock`` failures in a row the account locks for ``firstLockout``, doubling with each
/// lock-out after that up to ``longestLockout``; every lock-out is told to the administrators. A success resets
/// the failures (not the count of lock-outs, which only an administrator's unlock clears).
public struct SignInMachine: Sendable, Equatable {
    /// Failed attempts in a row that lock the account.
    public static let attemptsBeforeLock = 5
    /// How long the first lock-out lasts.
    public static let firstLockout: TimeInterval = 15 * 60
    /// The longest a lock-out lasts.
    public static let longestLockout: TimeInterval = 24 * 3600

    /// Where the account's sign-in stands.
    public enum State: Sendable, Equatable {
        /// Sign-in is possible; `failures` attempts failed in a row, `lockouts` lock-outs so far.
        case open(failures: Int, lockouts: Int)
        /// No attempt is checked until `until`.
        case locked(until: Date, lockouts: Int)
    }

    /// What a person presented.
    public struct Attempt: Sendable, Equatable {
        /// Whether the password matched the stored hash.
        public let passwordMatches: Bool
        /// Whether the account's roles need a second factor (``needsOneTimePassword(_:)``).
        public let needsSecondFactor: Bool
        /// Whether a valid one-time code or unused recovery code was given (nil: none was given).
        public let secondFactorValid: Bool?

        /// An attempt.
        public init(passwordMatches: Bool, needsSecondFactor: Bool, secondFactorValid: Bool?) {
            self.passwordMatches = passwordMatches
            self.needsSecondFactor = needsSecondFactor
            self.secondFactorValid = secondFactorValid
        }
    }

    /// What the store does with an attempt.
    public enum Action: Sendable, Equatable {
        /// Issue a token; store the new state.
        case signIn
        /// Refuse with `rejection`; store the new state; when `lockedUntil` is set the account just locked and
        /// the administrators are told.
        case refuse(WorkflowRejection, lockedUntil: Date?)
    }

    /// The current state.
    public private(set) var state: State

    /// A machine in `state`.
    public init(state: State) { self.state = state }

    /// The roles that move money or grant rights sign in with a one-time password too.
    public static func needsOneTimePassword(_ roles: Set<Role>) -> Bool {
        !roles.isDisjoint(with: [.admin, .fundManager, .financeOfficer])
    }

    /// The sign-in refusal people see: the same sentence whichever of login, password or code was wrong.
    public static let refusal = WorkflowRejection(
        code: "sign_in_failed",
        message: "The login, password or one-time code is not right; try again, or ask for a password reset."
    )

    /// Checks an attempt at `now`.
    public mutating func attempt(_ attempt: Attempt, at now: Date) -> Action {
        switch state {
        case .locked(let until, let lockouts) where until > now:
            state = .locked(until: until, lockouts: lockouts)
            return .refuse(Self.lockedRefusal(until: until), lockedUntil: nil)
        case .locked(_, let lockouts):
            state = .open(failures: 0, lockouts: lockouts)
            return self.attempt(attempt, at: now)
        case .open(let failures, let lockouts):
            if attempt.passwordMatches, !attempt.needsSecondFactor || attempt.secondFactorValid == true {
                state = .open(failures: 0, lockouts: lockouts)
                return .signIn
            }
            if attempt.passwordMatches, attempt.needsSecondFactor, attempt.secondFactorValid == nil {
                // The password was right and the code is still to come: not a failure.
                return .refuse(Self.codeNeeded, lockedUntil: nil)
            }
            guard failures + 1 >= Self.attemptsBeforeLock else {
                state = .open(failures: failures + 1, lockouts: lockouts)
                return .refuse(Self.refusal, lockedUntil: nil)
            }
            let duration = min(Self.firstLockout * pow(2, Double(min(lockouts, 16))), Self.longestLockout)
            let until = now.addingTimeInterval(duration)
            state = .locked(until: until, lockouts: lockouts + 1)
            return .refuse(Self.lockedRefusal(until: until), lockedUntil: until)
        }
    }

    /// An administrator lifts a lock-out.
    public mutating func unlock() {
        switch state {
        case .open, .locked: state = .open(failures: 0, lockouts: 0)
        }
    }

    /// The password was right; the role needs the one-time code too.
    public static let codeNeeded = WorkflowRejection(
        code: "one_time_code_required",
        message: "Your role needs the 6-digit code from your authenticator app too; give it with --code (or a recovery code)."
    )

    static func lockedRefusal(until: Date) -> WorkflowRejection {
        WorkflowRejection(
            code: "account_locked",
            message: "Too many failed sign-ins: the account is locked until \(until.formatted(.iso8601)); try again then, or ask an administrator to unlock it."
        )
    }
}
