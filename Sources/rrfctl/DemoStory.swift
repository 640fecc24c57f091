import Foundation
import RRFStore
import RRFWorkflow

/// The demo fund's story, one function per act, every step through the real `FundStore` commands.
/// Acts for capabilities that are not part of this build (peer review, grants, training) are simply absent.
final class DemoStory {
    /// The store as trusted code sees it: the story's own reads (what it narrates) and the daemon's part.
    let store: FundStore
    /// The people, signed in: every step of the story runs as the person who takes it.
    let desk: DemoDesk
    let clock: DemoClock
    let narrator: DemoNarrator
    /// References of the proposals, by title, as the store handed them out.
    private(set) var references: [String: String] = [:]
    /// Grant references in the order they were signed (the grants act adds them).
    var grantReferences: [String] = []

    init(store: FundStore, clock: DemoClock, narrator: DemoNarrator) {
        self.store = store
        self.desk = DemoDesk(store: store, clock: clock)
        self.clock = clock
        self.narrator = narrator
    }

    func run() throws {
        var act = 0
        func next(_ title: String, _ body: () throws -> Void) throws {
            act += 1
            narrator.act(act, title)
            try body()
        }
        try next("The people of the fund", people)
        try next("Partners: registration and due diligence", partners)
        try next("The fund trains partner staff", training)
        try next("Two calls open: a reserve call for the floods and a standard allocation", calls)
        try next("NGOs submit proposals", submissions)
        try next("The secretariat screens the proposals", screening)
        try next("Donors fund the envelopes", funding)
        try next("Peer review committees score the proposals", review)
        try next("The fund manager decides", decisions)
        try next("Agreements are signed and the first tranches released (four eyes)", grants)
        try next("Partners report, later tranches follow, grants close", reportsAndTranches)
    }

    // MARK: Acts

    func people() throws {
        _ = try store.addUser(login: DemoCast.admin.login, displayName: DemoCast.admin.name, email: DemoCast.admin.email, roles: DemoCast.admin.roles, as: nil)
        try desk.enrolFirstAdministrator(DemoCast.admin)
        narrator.say("The administrator account is created; the administrator sets a password, enrols an authenticator app and adds everyone else.")
        // Affiliated staff join once their organisation is registered (act 2).
        for person in DemoCast.staff.dropFirst() where person.organisations.isEmpty {
            _ = try desk.store(DemoCast.admin.login).addUser(login: person.login, displayName: person.name, email: person.email, roles: person.roles, as: DemoCast.admin.login)
            try desk.invite(person)
            narrator.say("\(person.name) joins as \(person.roles.map(\.description).sorted().joined(separator: " and ")), accepts the invitation and sets a password.")
        }
    }

    func partners() throws {
        let secretariat = DemoCast.secretariat.login
        let today = LocalDate(clock.now, utcOffsetMinutes: store.calendar.utcOffsetMinutes)
        for partner in DemoCast.partners {
            _ = try desk.store(secretariat).registerOrganisation(code: partner.code, name: partner.name, country: partner.country, as: secretariat)
            if let risk = partner.risk {
                _ = try desk.store(secretariat).assessOrganisation(partner.code, risk: risk, dueDiligenceExpires: today.adding(months: 24), as: secretariat)
                narrator.say("\(partner.name) (\(partner.country)) is registered and assessed: \(risk.rawValue) risk, due diligence valid for two years.")
            } else {
                narrator.say("\(partner.name) (\(partner.country)) is registered; its capacity assessment is still pending.")
            }
            let officer = DemoCast.ngoUser(partner)
            _ = try desk.store(DemoCast.admin.login).addUser(login: officer.login, displayName: officer.name, email: officer.email, roles: officer.roles, organisations: officer.organisations, as: DemoCast.admin.login)
            try desk.invite(officer)
        }
        narrator.say("Each partner gets a programme officer account (e.g. \(DemoCast.ngoUser(DemoCast.partners[0]).login)).")
        for reviewer in DemoCast.staff where !reviewer.organisations.isEmpty {
            _ = try desk.store(DemoCast.admin.login).addUser(
                login: reviewer.login, displayName: reviewer.name, email: reviewer.email, roles: reviewer.roles, organisations: reviewer.organisations, as: DemoCast.admin.login
            )
            try desk.invite(reviewer)
            narrator.say("\(reviewer.name) joins as reviewer, declaring that he sits on the board of \(reviewer.organisations.joined(separator: ", ")).")
        }
        clock.advance(businessHours: 9)
    }

    func calls() throws {
        let secretariat = DemoCast.secretariat.login
        let usd = try parsed { () throws(WorkflowRejection) in try Currency(code: "USD") }
        func dollars(_ amount: Int64) -> Money { Money(minorUnits: amount * 100, currency: usd) }
        let start = clock.now
        let reserve = CallConfiguration(
            title: "Flash floods in the Horn of Africa: reserve allocation", kind: .reserve, currency: usd,
            envelopes: [.health: dollars(300_000), .wash: dollars(350_000), .shelter: dollars(250_000)],
            perProposalCeiling: dollars(150_000), submissionDeadline: start.addingTimeInterval(5 * 86_400),
            reviewDeadline: start.addingTimeInterval(9 * 86_400), decisionSLA: .reserveCall, scorecard: CallDefaults.scorecard
        )
        let standard = CallConfiguration(
            title: "Standard allocation 2026: protection, food security and education", kind: .standard, currency: usd,
            envelopes: [.protection: dollars(400_000), .foodSecurity: dollars(500_000), .education: dollars(150_000)],
            perProposalCeiling: dollars(250_000), submissionDeadline: start.addingTimeInterval(12 * 86_400),
            reviewDeadline: start.addingTimeInterval(20 * 86_400), decisionSLA: .businessDays(10), scorecard: CallDefaults.scorecard
        )
        for (code, configuration) in [(DemoCast.reserveCall, reserve), (DemoCast.standardCall, standard)] {
            _ = try desk.store(secretariat).createCall(code: code, configuration: configuration, as: secretariat)
            let record = try desk.store(secretariat).openCall(code, as: secretariat)
            let envelopes = record.envelopes.map { "\($0.cluster.displayName) \($0.amount.grouped)" }.joined(separator: ", ")
            narrator.say("\(DemoCast.secretariat.name) opens \(code) “\(configuration.title)” (\(configuration.kind.rawValue)); envelopes: \(envelopes).")
        }
        narrator.say("Reserve proposals must be decided within 72 business hours of submission; standard ones within 10 business days.")
        clock.advance(businessHours: 2)
    }

    func submissions() throws {
        for submission in DemoCast.reserveSubmissions + DemoCast.standardSubmissions {
            let officer = DemoCast.ngoUser(DemoCast.partners.first { $0.code == submission.organisation }!)
            let record = try desk.store(officer.login).submitProposal(DemoCast.proposal(submission), as: officer.login)
            references[submission.title] = record.reference
            narrator.say("\(record.organisation) submits \(record.reference) “\(record.title)” to \(record.call), asking \(record.requested.grouped).")
            clock.advance(businessHours: 1)
        }
        let pending = DemoCast.partners.first { $0.risk == nil }!
        do {
            _ = try desk.store(DemoCast.ngoUser(pending).login).submitProposal(
                DemoCast.proposal(.init(
                    organisation: pending.code, call: DemoCast.reserveCall, cluster: .shelter, title: "Emergency shelter in the Tana Delta",
                    locations: ["Garsen"], beneficiaries: 1_800, requested: 60_000, months: 4
                )),
                as: DemoCast.ngoUser(pending).login
            )
        } catch let error as StoreError {
            narrator.refused("\(pending.name) tries to submit before its assessment", error)
        }
        clock.advance(businessHours: 3)
    }

    func screening() throws {
        let secretariat = DemoCast.secretariat.login
        let failing = "Latrines and hygiene kits in Malakal"
        for submission in DemoCast.reserveSubmissions + DemoCast.standardSubmissions {
            guard let reference = references[submission.title] else { continue }
            if submission.title == failing {
                let reason = "The budget has no hygiene promotion staff and the sites are outside the flood-affected areas of the call."
                _ = try desk.store(secretariat).screenProposal(reference, passed: false, reason: reason, as: secretariat)
                narrator.say("\(reference) fails screening: \(reason)")
            } else {
                _ = try desk.store(secretariat).screenProposal(reference, passed: true, as: secretariat)
                narrator.say("\(reference) passes screening and goes to the \(submission.cluster.displayName) review committee.")
            }
            clock.advance(minutes: 20)
        }
        clock.advance(businessHours: 4)
    }

    // MARK: Training

    /// Participants per partner: (name, role, gender, passed).
    static let participants: [String: [(String, String, String, Bool)]] = [
        "HOPE-TURKANA": [("Esther Lokwang", "Finance officer", "female", true), ("Peter Ekai", "Programme manager", "male", true)],
        "KARAMOJA-WASH": [("Sarah Akello", "Accountant", "female", true)],
        "SOMAID": [("Hodan Abdi", "Finance manager", "female", true), ("Mohamed Warsame", "Logistics officer", "male", false)],
        "AFAR-HEALTH": [("Aster Mohammed", "Finance officer", "female", true)],
        "NILE-RELIEF": [("James Lual", "Director", "male", true)],
        "DARFUR-WOMEN": [("Amal Ishag", "Programme officer", "female", true), ("Khadija Yahia", "Accountant", "female", true)],
    ]

    func training() throws {
        let secretariat = DemoCast.secretariat.login
        _ = try desk.store(secretariat).addTrainingCourse(code: "FIN-MGMT", title: "Financial management for partners", validityMonths: 24, as: secretariat)
        let today = LocalDate(clock.now, utcOffsetMinutes: store.calendar.utcOffsetMinutes)
        let session = try desk.store(secretariat).scheduleTrainingSession(
            course: "FIN-MGMT", startDate: today, endDate: today.adding(days: 1), place: "Nairobi", trainer: DemoCast.trainer.login, capacity: 20,
            as: secretariat
        )
        narrator.say("\(DemoCast.trainer.name) runs session \(session.reference) of “Financial management for partners” in Nairobi.")
        for (organisation, people) in Self.participants.sorted(by: { $0.key < $1.key }) {
            for (name, role, gender, passed) in people {
                _ = try desk.store(DemoCast.trainer.login).recordAttendance(
                    session: session.reference, ParticipantInput(name: name, organisation: organisation, role: role, gender: gender, attended: true, passed: passed),
                    as: DemoCast.trainer.login
                )
            }
        }
        clock.advance(businessHours: 18)
        _ = try desk.store(DemoCast.trainer.login).recordTrainingSessionHeld(session.reference, as: DemoCast.trainer.login)
        _ = try desk.store(DemoCast.trainer.login).closeTrainingSession(session.reference, as: DemoCast.trainer.login)
        let passed = Self.participants.values.joined().filter(\.3).count
        narrator.say("The session is held and closed: \(passed) of \(Self.participants.values.joined().count) participants pass and receive a two-year certificate.")
    }
}
