import Foundation
import RRFStore
import RRFWorkflow

/// The people, partners, calls and proposals of the demo fund: fictional, but shaped like a real regional
/// Rapid Response Fund in East Africa. Logins are short so the story reads well.
enum DemoCast {
    struct Person {
        let login: String
        let name: String
        let roles: Set<Role>
        var organisations: [String] = []

        /// A reserved `.example` address, so the outbox has somewhere to send without reaching anyone.
        var email: String { "\(login)@\(roles.contains(.ngoUser) ? "partners" : "fund").example" }
    }

    struct Partner {
        let code: String
        let name: String
        let country: String
        /// nil: registered but not yet assessed.
        let risk: RiskRating?
    }

    struct Submission {
        let organisation: String
        let call: String
        let cluster: Cluster
        let title: String
        let locations: [String]
        let beneficiaries: Int
        /// Whole US dollars.
        let requested: Int64
        let months: Int
    }

    static let admin = Person(login: "admin", name: "Fund administrator", roles: [.admin])
    static let secretariat = Person(login: "daniel", name: "Daniel Okoth", roles: [.secretariat])
    static let fundManager = Person(login: "amina", name: "Amina Yusuf", roles: [.fundManager])
    static let financeOfficer = Person(login: "grace", name: "Grace Achieng", roles: [.financeOfficer])
    /// Holds both money roles: the four-eyes rule stops her releasing what she approved herself.
    static let deputyManager = Person(login: "samuel", name: "Samuel Bekele", roles: [.fundManager, .financeOfficer])
    static let trainer = Person(login: "ruth", name: "Ruth Wanjiru", roles: [.trainer])
    static let reviewers: [Person] = [
        Person(login: "fatuma", name: "Fatuma Hassan", roles: [.reviewer]),
        Person(login: "john", name: "John Deng", roles: [.reviewer]),
        Person(login: "mary", name: "Mary Nakato", roles: [.reviewer]),
        // Also on the board of a partner: the conflict-of-interest rule keeps him off its proposals.
        Person(login: "ahmed", name: "Ahmed Ali", roles: [.reviewer], organisations: ["SOMAID"]),
    ]

    /// The daemon's service user (`RRFD_ACTOR`).
    static let daemon = Person(login: "rrfd", name: "RRF daemon", roles: [.secretariat])

    static let staff: [Person] = [admin, secretariat, fundManager, financeOfficer, deputyManager, trainer, daemon] + reviewers

    static let partners: [Partner] = [
        Partner(code: "HOPE-TURKANA", name: "Hope for Turkana Initiative", country: "KE", risk: .low),
        Partner(code: "KARAMOJA-WASH", name: "Karamoja Water and Sanitation Trust", country: "UG", risk: .low),
        Partner(code: "SOMAID", name: "Somali Aid and Development Network", country: "SO", risk: .medium),
        Partner(code: "AFAR-HEALTH", name: "Afar Pastoralist Health Organisation", country: "ET", risk: .medium),
        Partner(code: "NILE-RELIEF", name: "Upper Nile Relief Association", country: "SS", risk: .high),
        Partner(code: "DARFUR-WOMEN", name: "Darfur Women's Protection Forum", country: "SD", risk: .high),
        Partner(code: "TANA-YOUTH", name: "Tana Delta Youth Group", country: "KE", risk: nil),
    ]

    /// One NGO user per partner, e.g. `hope-turkana.officer`.
    static func ngoUser(_ partner: Partner) -> Person {
        Person(login: "\(partner.code.lowercased()).officer", name: "Programme officer, \(partner.name)", roles: [.ngoUser], organisations: [partner.code])
    }

    static let reserveCall = "RES-FLOOD-1"
    static let standardCall = "STD-2026-1"

    static let reserveSubmissions: [Submission] = [
        Submission(organisation: "HOPE-TURKANA", call: reserveCall, cluster: .health, title: "Cholera treatment units in flooded Turkana villages",
                   locations: ["Turkana Central", "Loima"], beneficiaries: 18_500, requested: 120_000, months: 6),
        Submission(organisation: "KARAMOJA-WASH", call: reserveCall, cluster: .wash, title: "Safe water trucking and chlorination in Moroto",
                   locations: ["Moroto", "Nadunget"], beneficiaries: 24_000, requested: 140_000, months: 4),
        Submission(organisation: "SOMAID", call: reserveCall, cluster: .shelter, title: "Emergency shelter kits for flood-displaced families in Beledweyne",
                   locations: ["Beledweyne"], beneficiaries: 6_300, requested: 110_000, months: 5),
        Submission(organisation: "NILE-RELIEF", call: reserveCall, cluster: .wash, title: "Latrines and hygiene kits in Malakal",
                   locations: ["Malakal"], beneficiaries: 9_800, requested: 95_000, months: 6),
        Submission(organisation: "AFAR-HEALTH", call: reserveCall, cluster: .health, title: "Mobile clinics for displaced pastoralists in Afar",
                   locations: ["Asayita", "Dubti"], beneficiaries: 15_200, requested: 130_000, months: 6),
    ]

    static let standardSubmissions: [Submission] = [
        Submission(organisation: "DARFUR-WOMEN", call: standardCall, cluster: .protection, title: "Safe spaces for women and girls in El Geneina",
                   locations: ["El Geneina"], beneficiaries: 4_200, requested: 180_000, months: 12),
        Submission(organisation: "SOMAID", call: standardCall, cluster: .foodSecurity, title: "Cash for food for flood-affected households",
                   locations: ["Beledweyne", "Jowhar"], beneficiaries: 12_000, requested: 200_000, months: 9),
        Submission(organisation: "NILE-RELIEF", call: standardCall, cluster: .protection, title: "Child protection case management in Malakal",
                   locations: ["Malakal"], beneficiaries: 2_100, requested: 150_000, months: 12),
        Submission(organisation: "HOPE-TURKANA", call: standardCall, cluster: .education, title: "Temporary learning spaces after the floods",
                   locations: ["Lodwar"], beneficiaries: 3_500, requested: 90_000, months: 10),
    ]

    /// A submission as the NGO would type it, with a budget of three lines that sum to the request.
    static func proposal(_ submission: Submission) -> ProposalSubmission {
        let staff = submission.requested * 30 / 100
        let support = submission.requested * 8 / 100
        let activities = submission.requested - staff - support
        return ProposalSubmission(
            organisation: submission.organisation, call: submission.call, cluster: submission.cluster.rawValue, title: submission.title,
            summary: "\(submission.title): \(submission.beneficiaries) people reached over \(submission.months) months.",
            locations: submission.locations, beneficiaries: submission.beneficiaries, requested: "\(submission.requested) USD",
            durationMonths: submission.months,
            budgetLines: [
                .init(description: "Activities, supplies and transport", amount: "\(activities) USD"),
                .init(description: "Project staff", amount: "\(staff) USD"),
                .init(description: "Monitoring and support costs", amount: "\(support) USD"),
            ]
        )
    }
}
