import Postgres

/// One transaction shared by several reads (``FundStore/reading(_:isolation:_:)``): its connection, and the
/// reader checked and confined once when it began.
struct ReadSession: Sendable {
    let connection: Connection
    let viewer: Viewer
    let isolation: IsolationLevel

    /// Runs a read of the session's store in the session's transaction, as its reader.
    /// - Throws: an internal error when the read needs a stronger isolation than the session was opened with
    ///   (a programming error: open the session with that isolation, or make the read outside it).
    func read<T>(_ name: String, isolation needed: IsolationLevel, _ body: (Connection, Viewer) throws -> T) throws -> T {
        guard needed.strength <= isolation.strength else {
            throw StoreError(
                .internal, code: "internal",
                "The read \(name) needs \(needed.rawValue) isolation and cannot join a \(isolation.rawValue) read session."
            )
        }
        return try body(connection, viewer)
    }
}

extension IsolationLevel {
    /// Orders the levels by the anomalies they exclude.
    var strength: Int {
        switch self {
        case .readCommitted: 0
        case .repeatableRead: 1
        case .serializable: 2
        }
    }
}

extension FundStore {
    /// Runs several reads as ONE transaction: the caller's token is checked, their roles resolved and the
    /// transaction confined to what they may see once, instead of once per read, and every read sees the
    /// same connection (at `.repeatableRead` or above, the same snapshot). A page that shows several lists
    /// (the dashboard) makes its reads on the store `body` gets.
    ///
    /// Use that store only inside `body`: its connection goes back to the pool when `body` returns. A refused
    /// read is logged and written to the security log once, under `name`. A command made on that store joins
    /// the transaction and checks the caller again.
    public func reading<T>(_ name: String, isolation: IsolationLevel = .readCommitted, _ body: (FundStore) throws -> T) throws -> T {
        try read(name, isolation: isolation) { connection, viewer in
            try body(FundStore(
                executor: .connection(connection), caller: caller, channel: channel, calendar: calendar, referencePrefix: referencePrefix,
                serviceLogin: serviceLogin, logger: logger, clock: clock,
                session: session ?? ReadSession(connection: connection, viewer: viewer, isolation: isolation)
            ))
        }
    }
}
