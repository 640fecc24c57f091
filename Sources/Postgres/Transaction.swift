import Foundation

/// Transaction isolation levels.
public enum IsolationLevel: String, Sendable, CaseIterable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension Connection {
    /// Runs `body` in a transaction and commits it; rolls back when `body` throws.
    ///
    /// A serialization failure or deadlock (SQLSTATE 40001, 40P01) — raised by a statement or by COMMIT —
    /// restarts the whole transaction, up to `maxAttempts` times with a short randomised pause, so `body`
    /// must have no effects outside the database. Called inside a transaction, `body` joins it (the
    /// outermost call owns retries, commit and rollback).
    public func withTransaction<T>(
        _ isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 5,
        _ body: (Connection) throws -> T
    ) throws -> T {
        if isInTransaction { return try body(self) }
        var attempt = 1
        while true {
            try execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
            do {
                let value = try body(self)
                try execute("COMMIT")
                return value
            } catch let error as PostgresError where error.isTransient && attempt < maxAttempts {
                rollbackIfNeeded()
                Thread.sleep(forTimeInterval: Self.retryPause(attempt: attempt))
                attempt += 1
            } catch {
                rollbackIfNeeded()
                throw error
            }
        }
    }

    /// Rolls back an open transaction; a broken connection has nothing to roll back.
    func rollbackIfNeeded() {
        if isInTransaction { try? execute("ROLLBACK") }
    }

    /// Exponential pause with full jitter: up to 5 ms, 10 ms, 20 ms … capped at 200 ms.
    static func retryPause(attempt: Int) -> TimeInterval {
        let ceiling = min(0.2, 0.005 * pow(2, Double(attempt - 1)))
        return Double.random(in: 0...ceiling)
    }
}
