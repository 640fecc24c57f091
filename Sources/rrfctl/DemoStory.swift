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
    /// Grant references in the order they were signed.
    private(set) var grantReferences: [String] = []

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
        narrator.say("The administrator account is created; it adds everyone else.")
        // Affiliated staff join once their organisation is registered (act 2).
        for person in DemoCast.staff.dropFirst() where person.organisations.isEmpty {
            _ = try store.addUser(login: person.login, displayName: person.name, email: person.email, roles: person.roles, as: DemoCast.admin.login)
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
            _ = try store.addUser(login: officer.login, displayName: officer.name, email: officer.email, roles: officer.roles, organisations: officer.organisations, as: DemoCast.admin.login)
        }
        narrator.say("Each partner gets a programme officer account (e.g. \(DemoCast.ngoUser(DemoCast.partners[0]).login)).")
        for reviewer in DemoCast.staff where !reviewer.organisations.isEmpty {
            _ = try store.addUser(
                login: reviewer.login, displayName: reviewer.name, email: reviewer.email, roles: reviewer.roles, organisations: reviewer.organisations, as: DemoCast.admin.login
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
        _ = try store.addTrainingCourse(code: "FIN-MGMT", title: "Financial management for partners", validityMonths: 24, as: secretariat)
        let today = LocalDate(clock.now, utcOffsetMinutes: store.calendar.utcOffsetMinutes)
        let session = try store.scheduleTrainingSession(
            course: "FIN-MGMT", startDate: today, endDate: today.adding(days: 1), place: "Nairobi", trainer: DemoCast.trainer.login, capacity: 20,
            as: secretariat
        )
        narrator.say("\(DemoCast.trainer.name) runs session \(session.reference) of “Financial management for partners” in Nairobi.")
        for (organisation, people) in Self.participants.sorted(by: { $0.key < $1.key }) {
            for (name, role, gender, passed) in people {
                _ = try store.recordAttendance(
                    session: session.reference, ParticipantInput(name: name, organisation: organisation, role: role, gender: gender, attended: true, passed: passed),
                    as: DemoCast.trainer.login
                )
            }
        }
        clock.advance(businessHours: 18)
        _ = try store.recordTrainingSessionHeld(session.reference, as: DemoCast.trainer.login)
        _ = try store.closeTrainingSession(session.reference, as: DemoCast.trainer.login)
        let passed = Self.participants.values.joined().filter(\.3).count
        narrator.say("The session is held and closed: \(passed) of \(Self.participants.values.joined().count) participants pass and receive a two-year certificate.")
    }

    // MARK: Money and decisions

    static let donor = "Nordic Humanitarian Donor Consortium"

    func funding() throws {
        for call in try store.calls(limit: 100).sorted(by: { $0.code < $1.code }) {
            for envelope in call.envelopes {
                _ = try store.deposit(call: call.code, cluster: envelope.cluster, amount: envelope.amount, donor: Self.donor, as: DemoCast.financeOfficer.login)
            }
            let total = call.envelopes.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
            narrator.say("\(Self.donor) deposits \(Money(minorUnits: total, currency: call.configuration.currency).grouped) for the envelopes of \(call.code); \(DemoCast.financeOfficer.name) records it in the ledger.")
        }
        clock.advance(businessHours: 1)
    }

    /// Reviewer scores per proposal title (all criteria get the same score); one panel disagrees widely.
    static let scores: [String: [Int]] = [
        "Cholera treatment units in flooded Turkana villages": [5, 4, 5],
        "Safe water trucking and chlorination in Moroto": [4, 4, 4],
        "Emergency shelter kits for flood-displaced families in Beledweyne": [4, 3, 4],
        "Mobile clinics for displaced pastoralists in Afar": [5, 1, 4],
        "Safe spaces for women and girls in El Geneina": [5, 5, 4],
        "Cash for food for flood-affected households": [4, 4, 3],
        "Child protection case management in Malakal": [2, 2, 1],
        "Temporary learning spaces after the floods": [4, 3, 3],
    ]

    func review() throws {
        let secretariat = DemoCast.secretariat.login
        let panel = DemoCast.reviewers.filter { $0.organisations.isEmpty }
        let affiliated = DemoCast.reviewers.first { !$0.organisations.isEmpty }!
        var committees: Set<String> = []
        for submission in DemoCast.reserveSubmissions + DemoCast.standardSubmissions {
            guard let reference = references[submission.title], let marks = Self.scores[submission.title] else { continue }
            let code = "PRC-\(submission.call)-\(submission.cluster.iatiCode)"
            if !committees.contains(code) {
                _ = try store.createCommittee(code: code, call: submission.call, cluster: submission.cluster, chair: panel[0].login, as: secretariat)
                for member in panel.dropFirst() + [affiliated] { _ = try store.addCommitteeMember(code, member: member.login, as: secretariat) }
                committees.insert(code)
                narrator.say("The \(submission.cluster.displayName) committee \(code) of \(submission.call) is formed: \((panel + [affiliated]).map(\.name).joined(separator: ", ")).")
            }
            if affiliated.organisations.contains(submission.organisation) {
                do {
                    _ = try store.assignReviewer(reference, reviewer: affiliated.login, as: secretariat)
                } catch let error as StoreError {
                    narrator.refused("Assigning \(affiliated.name) to \(reference) of \(submission.organisation)", error)
                }
            }
            for reviewer in panel { _ = try store.assignReviewer(reference, reviewer: reviewer.login, as: secretariat) }
            clock.advance(businessHours: 3)
            for (reviewer, mark) in zip(panel, marks) {
                let criteria = ["relevance", "feasibility", "value_for_money", "capacity"]
                let comments = mark <= 2 ? "Weak needs analysis and no protection mainstreaming." : "Sound plan for the affected people."
                _ = try store.submitReview(reference, ReviewScoresInput(scores: Dictionary(uniqueKeysWithValues: criteria.map { ($0, mark) }), comments: comments), as: reviewer.login)
                clock.advance(minutes: 40)
            }
            if let aggregate = try store.aggregateReviews(reference, as: secretariat) {
                let result = aggregate.aggregation
                narrator.say(
                    "\(reference) is scored \(result.mean) by \(marks.count) reviewers (\(result.passes ? "passes" : "below") the threshold)"
                        + (result.isDivergent ? "; the panel diverges (spread \(result.spread)), flagged for the fund manager." : ".")
                )
            }
        }
        clock.advance(businessHours: 2)
    }

    /// What the fund manager decides, by title: approve (optionally for less), or reject.
    static let decisions: [String: (approve: Bool, amount: Int64?, why: String)] = [
        "Cholera treatment units in flooded Turkana villages": (true, nil, "Strong score; cholera cases rising in Turkana."),
        "Safe water trucking and chlorination in Moroto": (true, 120_000, "Approved for less: trucking limited to three months."),
        "Emergency shelter kits for flood-displaced families in Beledweyne": (true, nil, "Fills the shelter gap in Hiraan."),
        "Mobile clinics for displaced pastoralists in Afar": (true, 100_000, "Divergent panel: approved for the two clinics the reviewers agree on."),
        "Safe spaces for women and girls in El Geneina": (true, nil, "Top-ranked protection proposal."),
        "Cash for food for flood-affected households": (true, nil, "Complements WFP distributions."),
        "Child protection case management in Malakal": (false, nil, "Below the pass threshold; the committee found the caseload plan weak."),
        "Temporary learning spaces after the floods": (true, nil, "Schools closed by the floods; good value."),
    ]

    func decisions() throws {
        let manager = DemoCast.fundManager.login
        for submission in DemoCast.reserveSubmissions + DemoCast.standardSubmissions {
            guard let reference = references[submission.title], let decision = Self.decisions[submission.title],
                  try store.proposal(reference).state == "scored" else { continue }
            if decision.approve {
                let amount = try money("\(decision.amount ?? submission.requested) USD")
                _ = try store.decideProposal(reference, .approve(amount: amount, justification: decision.why), as: manager)
                narrator.say("\(DemoCast.fundManager.name) approves \(reference) for \(amount.grouped): \(decision.why)")
            } else {
                _ = try store.decideProposal(reference, .reject(justification: decision.why), as: manager)
                narrator.say("\(DemoCast.fundManager.name) rejects \(reference): \(decision.why)")
            }
            clock.advance(businessHours: 2)
        }
    }

    // MARK: Grants

    func grants() throws {
        let manager = DemoCast.fundManager.login
        let finance = DemoCast.financeOfficer.login
        let approved = try store.proposals(ProposalFilter(state: "approved", limit: 1000))
        for (index, proposal) in approved.enumerated() {
            let grant = try store.signGrant(proposal.reference, signatory: "Director, \(proposal.organisation)", as: manager)
            grantReferences.append(grant.reference)
            let tranches = try store.evaluateTranches(grant.reference, as: DemoCast.secretariat.login)
            narrator.say("\(grant.organisation) signs grant \(grant.reference) for \(grant.amount.grouped) (\(grant.risk.rawValue) risk: \(tranches.count) tranches of \(tranches.map { $0.amount.grouped }.joined(separator: " / "))).")
            guard let first = tranches.first, first.state == "ready" else {
                narrator.say("Its first tranche is not ready yet: \(tranches.first?.unmet.joined(separator: "; ") ?? "no tranche").")
                continue
            }
            if index == 0 {
                // The deputy holds both money roles: he approves, then may not release.
                _ = try store.approveTranche(grant.reference, sequence: 1, as: DemoCast.deputyManager.login)
                do {
                    _ = try store.releaseTranche(grant.reference, sequence: 1, amount: first.amount, idempotencyKey: "\(grant.reference)-T1", as: DemoCast.deputyManager.login)
                } catch let error as StoreError {
                    narrator.refused("\(DemoCast.deputyManager.name) approves tranche 1 of \(grant.reference) and tries to release it himself", error)
                }
            } else {
                _ = try store.approveTranche(grant.reference, sequence: 1, as: manager)
            }
            _ = try store.releaseTranche(grant.reference, sequence: 1, amount: first.amount, idempotencyKey: "\(grant.reference)-T1", as: finance)
            narrator.say("Tranche 1 of \(grant.reference) (\(first.amount.grouped)) is approved and released by \(DemoCast.financeOfficer.name).")
            clock.advance(businessHours: 1)
        }
    }

    /// Moves the clock to the morning after `date`.
    private func advance(past date: LocalDate) {
        let target = date.adding(days: 1).start(utcOffsetMinutes: store.calendar.utcOffsetMinutes).addingTimeInterval(9 * 3600)
        while clock.now < target { clock.advance(businessHours: 9) }
    }

    /// The partner that falls behind with its reporting: its reports end the story overdue.
    static let latePartner = "DARFUR-WOMEN"

    /// Months go by: every partner but one reports on time after each period, the fund accepts the reports,
    /// and the tranches whose conditions are now met are approved and released; it ends when the first grant
    /// has closed on its final report.
    func reportsAndTranches() throws {
        guard let closing = grantReferences.first else { return }
        let secretariat = DemoCast.secretariat.login
        var grants: [String: GrantRecord] = [:]
        for reference in grantReferences { grants[reference] = try store.grant(reference) }
        var toldLate: Set<String> = []
        while try store.grant(closing).state != "closed" {
            // The next period to end among the reports the punctual partners still owe.
            let owed = try grantReferences.filter { grants[$0]?.organisation != Self.latePartner }.flatMap { reference in
                try store.reports(reference).filter { ["scheduled", "due"].contains($0.state) }
            }
            guard let next = owed.min(by: { ($0.periodEnd, $0.grant) < ($1.periodEnd, $1.grant) }) else { break }
            advance(past: next.periodEnd)
            // rrfd's hourly `grant.mark_reports_due` job does this; the story cannot wait for the hour.
            let due = try store.markReportsDue(as: secretariat)
            for late in try store.notifyOverdueReports() {
                narrator.say("Report \(late.sequence) on \(late.grant) was due by \(late.dueDate) and is not in: rrfd's reports job tells \(grants[late.grant]?.organisation ?? "the partner") and the secretariat.")
            }
            for report in due.sorted(by: { ($0.grant, $0.sequence) < ($1.grant, $1.sequence) }) {
                guard let grant = grants[report.grant] else { continue }
                if grant.organisation == Self.latePartner {
                    if toldLate.insert(report.grant).inserted {
                        narrator.say("\(grant.organisation)'s \(report.kind.rawValue) report \(report.sequence) on \(report.grant) is due by \(report.dueDate); it will not come in time.")
                    }
                    continue
                }
                try submitAndAccept(report, of: grant)
            }
            clock.advance(businessHours: 3)
        }
        for reference in grantReferences where grants[reference]?.organisation == Self.latePartner {
            let overdue = try store.reports(reference).filter(\.overdue)
            guard !overdue.isEmpty else { continue }
            narrator.say("\(Self.latePartner) has \(overdue.count) overdue report(s) on \(reference) (the oldest due \(overdue[0].dueDate)); its next tranche waits for them.")
        }
        let closed = try store.grants(state: "closed", limit: 1000).filter { grantReferences.contains($0.reference) }
        for grant in closed {
            narrator.say("Grant \(grant.reference) of \(grant.organisation) is closed\(grant.refund.map { "; the unspent \($0.grouped) is refunded to the fund" } ?? "").")
        }
    }

    /// The partner reports a few days after the period (spending 85 % of what it received, 96 % at the end),
    /// the secretariat (the fund manager for a final report) accepts, and any tranche now ready is released.
    private func submitAndAccept(_ report: ReportRecord, of grant: GrantRecord) throws {
        let officer = DemoCast.ngoUser(DemoCast.partners.first { $0.code == grant.organisation }!).login
        let released = try store.tranches(grant.reference).filter { $0.state == "released" }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        let spent = Money(minorUnits: released * (report.kind == .final ? 96 : 85) / 100, currency: grant.amount.currency)
        _ = try store.submitReport(
            grant.reference, sequence: report.sequence, narrative: "Activities on plan for the period; \(spent.grouped) spent so far.",
            spending: [SpendingLine(line: "Activities, supplies and transport", amount: spent.description)], as: officer
        )
        clock.advance(businessHours: 4)
        let acceptor = report.kind == .final ? DemoCast.fundManager.login : DemoCast.secretariat.login
        _ = try store.acceptReport(grant.reference, sequence: report.sequence, as: acceptor)
        let which = report.kind == .final ? "final report" : "interim report \(report.sequence)"
        narrator.say("\(grant.organisation) sends its \(which) on \(grant.reference) (spent \(spent.grouped)); it is accepted.")
        guard try store.grant(grant.reference).state == "active" else { return }
        for tranche in try store.evaluateTranches(grant.reference, as: DemoCast.secretariat.login) where tranche.state == "ready" {
            _ = try store.approveTranche(grant.reference, sequence: tranche.sequence, as: DemoCast.fundManager.login)
            _ = try store.releaseTranche(
                grant.reference, sequence: tranche.sequence, amount: tranche.amount, idempotencyKey: "\(grant.reference)-T\(tranche.sequence)",
                as: DemoCast.financeOfficer.login
            )
            narrator.say("Its conditions met, tranche \(tranche.sequence) of \(grant.reference) (\(tranche.amount.grouped)) is approved and released.")
        }
        clock.advance(businessHours: 1)
    }
}
