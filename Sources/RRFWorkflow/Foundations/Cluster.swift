/// A humanitarian sector as coordinated by the IASC cluster system; raw values are the stored codes.
public enum Cluster: String, Hashable, Sendable, Codable, CodingKeyRepresentable, CaseIterable, CustomStringConvertible {
    /// Health.
    case health
    /// Water, sanitation and hygiene.
    case wash
    /// Shelter (and non-food items).
    case shelter
    /// Protection.
    case protection
    /// Food security.
    case foodSecurity = "food_security"
    /// Nutrition.
    case nutrition
    /// Education.
    case education
    /// Logistics.
    case logistics
    /// Camp coordination and camp management.
    case campCoordination = "camp_coordination"
    /// Early recovery.
    case earlyRecovery = "early_recovery"
    /// Emergency telecommunications.
    case emergencyTelecommunications = "emergency_telecommunications"

    /// The stored code, e.g. `food_security`.
    public var description: String { rawValue }

    /// The name shown to people, e.g. "Water, Sanitation and Hygiene".
    public var displayName: String {
        switch self {
        case .health: "Health"
        case .wash: "Water, Sanitation and Hygiene"
        case .shelter: "Shelter"
        case .protection: "Protection"
        case .foodSecurity: "Food Security"
        case .nutrition: "Nutrition"
        case .education: "Education"
        case .logistics: "Logistics"
        case .campCoordination: "Camp Coordination and Camp Management"
        case .earlyRecovery: "Early Recovery"
        case .emergencyTelecommunications: "Emergency Telecommunications"
        }
    }

    /// Parses a stored code.
    /// - Throws: `cluster_unknown`.
    public init(code: String) throws(WorkflowRejection) {
        guard let cluster = Cluster(rawValue: code) else {
            let known = Cluster.allCases.map(\.rawValue).joined(separator: ", ")
            throw WorkflowRejection(code: "cluster_unknown", message: "\"\(code)\" is not a cluster; use one of \(known).")
        }
        self = cluster
    }
}
