import Foundation
import RRFStore
import RRFWorkflow
import Synchronization

/// The demo's clock: the story starts on a Monday morning a few weeks ago and moves forward as people act,
/// so that durations (time to decision, SLA) look like a real fund's. The store reads it for every command.
final class DemoClock: Sendable {
    private let current: Mutex<Date>
    let calendar: BusinessCalendar

    init(start: Date, calendar: BusinessCalendar) {
        current = Mutex(start)
        self.calendar = calendar
    }

    /// 07:30 on the Monday at least `weeksAgo` weeks before `now`, in the calendar's time zone.
    static func storyStart(before now: Date, weeksAgo: Int, calendar: BusinessCalendar) -> Date {
        var day = LocalDate(now, utcOffsetMinutes: calendar.utcOffsetMinutes).adding(days: -7 * weeksAgo)
        while day.weekday != .monday { day = day.adding(days: -1) }
        return day.start(utcOffsetMinutes: calendar.utcOffsetMinutes).addingTimeInterval(7.5 * 3600)
    }

    var now: Date { current.withLock { $0 } }

    /// Moves on by `hours` business hours of the fund's calendar.
    func advance(businessHours hours: Int) {
        current.withLock { $0 = calendar.addingBusinessHours(hours, to: $0) }
    }

    /// Moves on by wall-clock minutes.
    func advance(minutes: Int) {
        current.withLock { $0 = $0.addingTimeInterval(Double(minutes * 60)) }
    }

    /// The day of the story, e.g. "Mon 2026-10-26 09:30".
    var stamp: String {
        let date = now
        let day = LocalDate(date, utcOffsetMinutes: calendar.utcOffsetMinutes)
        let minutes = Int(date.timeIntervalSince(day.start(utcOffsetMinutes: calendar.utcOffsetMinutes)) / 60)
        return String(format: "%@ %@ %02d:%02d", "\(day.weekday)".prefix(3).capitalized, "\(day)", minutes / 60, minutes % 60)
    }
}

/// Tells the story in plain sentences (on stdout, or on stderr when stdout carries the JSON summary).
struct DemoNarrator {
    let toStandardError: Bool
    let clock: DemoClock

    func act(_ number: Int, _ title: String) {
        write("\nAct \(number). \(title)\n")
    }

    func say(_ sentence: String) {
        write("  [\(clock.stamp)] \(sentence)\n")
    }

    /// A refusal by the fund's rules, shown as the sentence the store gave.
    func refused(_ what: String, _ error: StoreError) {
        write("  [\(clock.stamp)] \(what) — refused, as it should be: \(error.message)\n")
    }

    func plain(_ text: String) { write(text + "\n") }

    private func write(_ text: String) {
        if toStandardError {
            FileHandle.standardError.write(Data(text.utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// The demo fund's story, one function per act, every step through the real `FundStore` commands.
/// Acts for capabilities that are not part of this build (peer review, grants, training) are simply absent.
final class DemoStory {
    let store: FundStore
    let clock: DemoClock
    let narrator: DemoNarrator
    /// References of the proposals, by title, as the store handed them out.
    private(set) var references: [String: String] = [:]

    init(store: FundStore, clock: DemoClock, narrator: DemoNarrator) {
        self.store = store
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
        try next("Two calls open: a reserve call for the floods and a standard allocation", calls)
        try next("NGOs submit proposals", submissions)
        try next("The secretariat screens the proposals", screening)
    }

    // MARK: Acts

    func people() throws {
        _ = try store.addUser(login: DemoCast.admin.login, displayName: DemoCast.admin.name, roles: DemoCast.admin.roles, as: nil)
        narrator.say("The administrator account is created; it adds everyone else.")
        // Affiliated staff join once their organisation is registered (act 2).
        for person in DemoCast.staff.dropFirst() where person.organisations.isEmpty {
            _ = try store.addUser(login: person.login, displayName: person.name, roles: person.roles, as: DemoCast.admin.login)
            narrator.say("\(person.name) joins as \(person.roles.map(\.description).sorted().joined(separator: " and ")).")
        }
    }

    func partners() throws {
        let secretariat = DemoCast.secretariat.login
        let today = LocalDate(clock.now, utcOffsetMinutes: store.calendar.utcOffsetMinutes)
        for partner in DemoCast.partners {
            _ = try store.registerOrganisation(code: partner.code, name: partner.name, country: partner.country, as: secretariat)
            if let risk = partner.risk {
                _ = try store.assessOrganisation(partner.code, risk: risk, dueDiligenceExpires: today.adding(months: 24), as: secretariat)
                narrator.say("\(partner.name) (\(partner.country)) is registered and assessed: \(risk.rawValue) risk, due diligence valid for two years.")
            } else {
                narrator.say("\(partner.name) (\(partner.country)) is registered; its capacity assessment is still pending.")
            }
            let officer = DemoCast.ngoUser(partner)
            _ = try store.addUser(login: officer.login, displayName: officer.name, roles: officer.roles, organisations: officer.organisations, as: DemoCast.admin.login)
        }
        narrator.say("Each partner gets a programme officer account (e.g. \(DemoCast.ngoUser(DemoCast.partners[0]).login)).")
        for reviewer in DemoCast.staff where !reviewer.organisations.isEmpty {
            _ = try store.addUser(
                login: reviewer.login, displayName: reviewer.name, roles: reviewer.roles, organisations: reviewer.organisations, as: DemoCast.admin.login
            )
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
            _ = try store.createCall(code: code, configuration: configuration, as: secretariat)
            let record = try store.openCall(code, as: secretariat)
            let envelopes = record.envelopes.map { "\($0.cluster.displayName) \($0.amount.grouped)" }.joined(separator: ", ")
            narrator.say("\(DemoCast.secretariat.name) opens \(code) “\(configuration.title)” (\(configuration.kind.rawValue)); envelopes: \(envelopes).")
        }
        narrator.say("Reserve proposals must be decided within 72 business hours of submission; standard ones within 10 business days.")
        clock.advance(businessHours: 2)
    }

    func submissions() throws {
        for submission in DemoCast.reserveSubmissions + DemoCast.standardSubmissions {
            let officer = DemoCast.ngoUser(DemoCast.partners.first { $0.code == submission.organisation }!)
            let record = try store.submitProposal(DemoCast.proposal(submission), as: officer.login)
            references[submission.title] = record.reference
            narrator.say("\(record.organisation) submits \(record.reference) “\(record.title)” to \(record.call), asking \(record.requested.grouped).")
            clock.advance(businessHours: 1)
        }
        let pending = DemoCast.partners.first { $0.risk == nil }!
        do {
            _ = try store.submitProposal(
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
                _ = try store.screenProposal(reference, passed: false, reason: reason, as: secretariat)
                narrator.say("\(reference) fails screening: \(reason)")
            } else {
                _ = try store.screenProposal(reference, passed: true, as: secretariat)
                narrator.say("\(reference) passes screening and goes to the \(submission.cluster.displayName) review committee.")
            }
            clock.advance(minutes: 20)
        }
        clock.advance(businessHours: 4)
    }
}
