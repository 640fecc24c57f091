import Foundation

/// A rate limit on sign-in attempts per client address (on top of the accounts' own lock-out): at most
/// `attempts` a minute from one address (rrfweb's `sign_in_attempts_per_minute`), kept in memory per instance.
actor SignInLimiter {
    let attempts: Int
    private var recent: [String: [Date]] = [:]

    init(attempts: Int) { self.attempts = attempts }

    /// Records an attempt from `address` at `now`; false when the address is over the limit.
    func allow(_ address: String?, at now: Date = Date()) -> Bool {
        let key = address ?? "unknown"
        let window = recent[key, default: []].filter { now.timeIntervalSince($0) < 60 }
        guard window.count < attempts else {
            recent[key] = window
            return false
        }
        recent[key] = window + [now]
        if recent.count > 10_000 { recent = recent.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < 60 } }
        return true
    }
}
