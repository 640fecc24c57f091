import Foundation

/// A small thread-safe pool of connections for blocking callers (CLI commands, worker threads).
///
/// `withConnection` lends a connection to the calling thread for the duration of the closure; a connection
/// is never lent to two threads at once. Broken connections are dropped and replaced on demand; a
/// connection returned inside an unfinished transaction is rolled back first.
public final class ConnectionPool: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    public let maximumConnections: Int
    /// How long `withConnection` waits for a free connection before failing with `.timeout`.
    public let checkoutTimeout: Duration

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var idle: [Connection] = []
    private var open = 0
    private var isShutDown = false

    public init(configuration: PostgresConfiguration, maximumConnections: Int = 4, checkoutTimeout: Duration = .seconds(30)) {
        precondition(maximumConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maximumConnections = maximumConnections
        self.checkoutTimeout = checkoutTimeout
    }

    deinit { shutdown() }

    /// Lends a connection to `body` on the calling thread.
    public func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// Shorthand for a transaction on a pooled connection (see `Connection.withTransaction`).
    public func withTransaction<T>(
        _ isolation: IsolationLevel = .readCommitted, maxAttempts: Int = 5, _ body: (Connection) throws -> T
    ) throws -> T {
        try withConnection { try $0.withTransaction(isolation, maxAttempts: maxAttempts, body) }
    }

    /// Closes idle connections and refuses further checkouts; lent connections close when returned.
    public func shutdown() {
        condition.lock()
        isShutDown = true
        let closing = idle
        idle.removeAll()
        open -= closing.count
        condition.broadcast()
        condition.unlock()
        closing.forEach { $0.close() }
    }

    private func checkOut() throws -> Connection {
        let deadline = Date().addingTimeInterval(Double(checkoutTimeout.components.seconds) + Double(checkoutTimeout.components.attoseconds) / 1e18)
        condition.lock()
        while true {
            if isShutDown {
                condition.unlock()
                throw PostgresError(.misuse, "the connection pool was shut down")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                if connection.isUsable { return connection }
                discard()
                condition.lock()
                continue
            }
            if open < maximumConnections {
                open += 1
                condition.unlock()
                do {
                    return try Connection(configuration)
                } catch {
                    discard()
                    throw error
                }
            }
            guard condition.wait(until: deadline) else {
                condition.unlock()
                throw PostgresError(.timeout, "no database connection became free within \(checkoutTimeout)")
            }
        }
    }

    private func checkIn(_ connection: Connection) {
        connection.rollbackIfNeeded()
        guard connection.isUsable else {
            connection.close()
            discard()
            return
        }
        condition.lock()
        if isShutDown {
            open -= 1
            condition.unlock()
            connection.close()
            return
        }
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }

    private func discard() {
        condition.lock()
        open -= 1
        condition.signal()
        condition.unlock()
    }
}
