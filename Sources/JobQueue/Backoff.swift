import Foundation

/// Delay before retrying a failed attempt: `base · 2^(attempt-1)`, capped at `maximum`, then scaled by a random
/// factor in `1-jitter … 1` (so retries of jobs that failed together spread out).
public struct Backoff: Sendable, Equatable {
    public var base: Double
    public var maximum: Double
    /// 0 … 1; 0 gives the exact exponential delay.
    public var jitter: Double

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(3600), jitter: Double = 0.25) {
        self.base = base.seconds
        self.maximum = maximum.seconds
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The ceiling (no jitter) for the retry after failed attempt number `attempt` (1-based).
    public func nominalDelay(afterAttempt attempt: Int) -> Double {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        return min(maximum, base * pow(2, exponent))
    }

    /// The delay in seconds, jitter applied; `random` yields a number in 0 … 1.
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0...1)) -> Double {
        nominalDelay(afterAttempt: attempt) * (1 - jitter * random)
    }
}

extension Duration {
    /// Seconds as a floating point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
