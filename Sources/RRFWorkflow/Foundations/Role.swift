/// What a user may do. A user may hold several roles; `ngo_user` is bound to one organisation.
///
/// `admin` operates the system and does not stand in for the business roles (segregation of duties).
public enum Role: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Operates the system: users, configuration.
    case admin
    /// The fund's secretariat: registers organisations, opens calls, screens proposals.
    case secretariat
    /// A member of a peer review committee.
    case reviewer
    /// Decides on proposals and approves tranches.
    case fundManager = "fund_manager"
    /// Releases approved tranches.
    case financeOfficer = "finance_officer"
    /// Runs training sessions.
    case trainer
    /// Staff of one partner organisation.
    case ngoUser = "ngo_user"

    /// The stored value, e.g. `fund_manager`.
    public var description: String { rawValue }

    /// The role with its article, for sentences: "a fund manager", "an administrator", "the secretariat".
    public var withArticle: String {
        switch self {
        case .admin: "an administrator"
        case .secretariat: "the secretariat"
        case .reviewer: "a reviewer"
        case .fundManager: "a fund manager"
        case .financeOfficer: "a finance officer"
        case .trainer: "a trainer"
        case .ngoUser: "a user of the organisation"
        }
    }
}
