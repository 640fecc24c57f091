import CLibPQ
import Foundation

/// A message received through LISTEN/NOTIFY.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let senderPID: Int32
}

extension Connection {
    /// Subscribes this connection to `channel`. The name is quoted as an identifier, so any text is safe.
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(try quoteIdentifier(channel))")
    }

    /// Unsubscribes from `channel`.
    public func unlisten(_ channel: String) throws {
        try execute("UNLISTEN \(try quoteIdentifier(channel))")
    }

    /// Sends a notification (delivered when the current transaction commits, if any).
    public func notify(_ channel: String, payload: String = "") throws {
        try queryPrepared("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Waits up to `timeout` for notifications and returns those that arrived (empty on timeout).
    /// Waits on the socket with `poll()`, so no CPU is used while idle; a dropped connection throws
    /// `.connectionClosed`.
    public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
        try withExclusiveUse {
            let handle = try liveHandle(for: "wait for notifications")
            var received = Self.drainNotifications(handle)
            if !received.isEmpty { return received }
            let deadline = ContinuousClock.now + timeout
            while received.isEmpty {
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { return [] }
                let socket = PQsocket(handle)
                guard socket >= 0 else { throw PostgresError.connectionLost(handle, query: nil) }
                var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
                let ready = poll(&descriptor, 1, milliseconds)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw PostgresError(.connectionClosed, "waiting for notifications failed: \(String(cString: strerror(errno)))")
                }
                if ready == 0 { return [] }
                guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else {
                    throw PostgresError.connectionLost(handle, query: nil)
                }
                received = Self.drainNotifications(handle)
            }
            return received
        }
    }

    private static func drainNotifications(_ handle: OpaquePointer) -> [PostgresNotification] {
        var notifications: [PostgresNotification] = []
        while let notice = PQnotifies(handle) {
            notifications.append(PostgresNotification(
                channel: String(cString: notice.pointee.relname),
                payload: String(cString: notice.pointee.extra),
                senderPID: notice.pointee.be_pid
            ))
            PQfreemem(notice)
        }
        return notifications
    }
}
