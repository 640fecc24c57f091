import Hummingbird
import Prometheus

/// The portal's Prometheus metrics, served as text at `/metrics`: sign-ins by outcome, store calls (how many
/// run, how long they take), and, once `rrfweb` bootstraps swift-metrics with ``factory``, Hummingbird's
/// request counters and durations per route.
public final class WebMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let signedIn, refused, rateLimited: Prometheus.Counter
    let storeCalls: DurationHistogram
    let storeCallsRunning: Prometheus.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        let signIns = MetricNameDescriptor(
            namespace: "rrfweb", metricName: "sign_ins", unitName: "total", helpText: "Sign-ins through the portal's form, by outcome."
        )
        signedIn = registry.makeCounter(descriptor: signIns, labels: [("outcome", "signed_in")])
        refused = registry.makeCounter(descriptor: signIns, labels: [("outcome", "refused")])
        rateLimited = registry.makeCounter(descriptor: signIns, labels: [("outcome", "rate_limited")])
        storeCalls = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "rrfweb", metricName: "store_call_duration", unitName: "seconds",
                helpText: "Time a page's store call took on the store threads, including the wait for a thread."
            ),
            buckets: [.milliseconds(5), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
        )
        storeCallsRunning = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "rrfweb", metricName: "store_calls_running", unitName: "", helpText: "Store calls running or waiting for a store thread."
            )
        )
    }

    /// How a sign-in through the form ended.
    enum SignInOutcome { case signedIn, refused, rateLimited }

    /// Counts one sign-in attempt.
    func count(_ outcome: SignInOutcome) {
        switch outcome {
        case .signedIn: signedIn.increment()
        case .refused: refused.increment()
        case .rateLimited: rateLimited.increment()
        }
    }

    /// Runs `body`, counted as a running store call and timed.
    func timeStoreCall<T>(_ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        storeCallsRunning.increment()
        defer {
            storeCallsRunning.decrement()
            storeCalls.record(ContinuousClock.now - started)
        }
        return try await body()
    }

    /// The factory for `MetricsSystem.bootstrap`, writing into the same registry.
    public var factory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: registry) }

    /// Every metric in Prometheus' text format.
    var text: String { registry.emitToString() }
}
