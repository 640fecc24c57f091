import NIOPosix
import RRFStore

/// Runs the store's blocking libpq calls on a pool of dedicated threads, never on NIO's event loops or Swift's
/// cooperative pool.
public final class StoreRunner: Sendable {
    private let pool: NIOThreadPool
    /// The fund's store, as trusted code; pages act through ``store(token:)``.
    let store: FundStore
    /// Where the calls are counted and timed.
    let metrics: WebMetrics

    public init(store: FundStore, threads: Int, metrics: WebMetrics = WebMetrics()) {
        self.store = store.via(.web)
        self.metrics = metrics
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// The store acting for the person holding the session `token`.
    func store(token: String) -> FundStore { store.signedIn(token: token, channel: .web) }

    /// Runs `body` on a store thread.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await metrics.timeStoreCall { try await pool.runIfActive(body) }
    }

    /// Stops the threads once their work is done.
    public func shutdown() async throws { try await pool.shutdownGracefully() }
}
