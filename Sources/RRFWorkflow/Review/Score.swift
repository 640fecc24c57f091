/// A score on the 0…100 scale held exactly in hundredths of a point (7250 is 72.50).
public struct Score: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The score in hundredths of a point.
    public let hundredths: Int

    /// Creates a score from hundredths of a point.
    public init(hundredths: Int) {
        self.hundredths = hundredths
    }

    /// A whole number of points.
    public init(points: Int) {
        self.hundredths = points * 100
    }

    /// The score with two decimals, e.g. `72.50`.
    public var description: String {
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Orders by value.
    public static func < (lhs: Score, rhs: Score) -> Bool { lhs.hundredths < rhs.hundredths }
}
