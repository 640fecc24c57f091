import Foundation
import RRFWorkflow

/// Shared facts for the machine tests.
enum Fixture {
    static let organisationID = OrganisationID(UUID())
    static let now = instant("2026-11-23T09:00:00Z") // Monday
    static let today = day("2026-11-23")
    static let assessment = Assessment(risk: .medium, assessedOn: day("2026-01-10"), dueDiligenceExpiry: day("2027-01-10"))
    static let secretariat = actor("Sam Secretariat", [.secretariat])
    static let manager = actor("Fatuma Manager", [.fundManager])
    static let otherManager = actor("Omar Manager", [.fundManager])
    static let finance = actor("Femi Finance", [.financeOfficer])
    static let otherFinance = actor("Grace Finance", [.financeOfficer])
    static let partner = actor("Pat Partner", [.ngoUser], organisations: [organisationID])
    static let outsider = actor("Olu Outsider", [.ngoUser], organisations: [OrganisationID(UUID())])
    static let calendar = BusinessCalendar.mondayToFriday

    static let scorecard: Scorecard = {
        guard let card = try? Scorecard(
            criteria: [
                Criterion(id: "relevance", title: "Relevance", weight: 50, maxScore: 5),
                Criterion(id: "capacity", title: "Capacity", weight: 30, maxScore: 10),
                Criterion(id: "budget", title: "Budget", weight: 20, maxScore: 4),
            ],
            passThreshold: 60
        ) else { fatalError("invalid fixture scorecard") }
        return card
    }()

    static var configuration: CallConfiguration {
        CallConfiguration(
            title: "Floods 2026", kind: .standard, currency: usd,
            envelopes: [.health: money("500000 USD"), .wash: money("300000 USD")], perProposalCeiling: money("100000 USD"),
            submissionDeadline: now.addingTimeInterval(14 * 86_400), reviewDeadline: now.addingTimeInterval(21 * 86_400),
            decisionSLA: .businessDays(10), scorecard: scorecard
        )
    }

    static var draft: ProposalDraft {
        ProposalDraft(
            title: "Cholera response", cluster: .health, locations: ["Beledweyne"], beneficiaries: 12_000,
            requested: money("100000 USD"), durationMonths: 6,
            budgetLines: [BudgetLine(description: "Supplies", amount: money("60000 USD")), BudgetLine(description: "Staff", amount: money("40000 USD"))]
        )
    }

    static func check(
        draft: ProposalDraft = draft, organisation: OrganisationMachine.State = .assessed(assessment),
        call: CallMachine.State = .open(configuration), actor: Actor = partner, now: Date = now, isRevision: Bool = false
    ) -> SubmissionCheck {
        SubmissionCheck(
            draft: draft, organisationID: organisationID, organisation: OrganisationMachine(state: organisation),
            call: CallMachine(state: call), actor: actor, now: now, calendar: calendar, isRevision: isRevision
        )
    }
}

/// Checks a machine's generated outcomes against the expected legal transitions: every pair not listed must
/// be refused as `invalid_transition`.
func verifyTable<Machine: DescribedStateMachine>(_ machine: Machine.Type, expected: Set<Transition>) -> [String] {
    var problems: [String] = []
    let outcomes = Machine.outcomes
    let stateCount = Set(outcomes.map(\.from)).count
    if stateCount != Machine.stateNames.count { problems.append("sampled \(stateCount) states of \(Machine.stateNames.count)") }
    for outcome in outcomes {
        let legal = expected.first { $0.from == outcome.from && $0.event == outcome.event }
        if let legal {
            if outcome.to != legal.to { problems.append("\(outcome.from) --\(outcome.event)--> \(outcome.to ?? outcome.refusal ?? "?"), expected \(legal.to)") }
        } else if outcome.refusal != "invalid_transition" {
            problems.append("\(outcome.from) --\(outcome.event)--> \(outcome.to ?? outcome.refusal ?? "?"), expected invalid_transition")
        }
    }
    let generated = Set(Machine.transitions)
    for missing in expected.subtracting(generated) { problems.append("missing \(missing)") }
    return problems
}

/// A set of transitions from (from, event, to) triples.
func table(_ triples: [(String, String, String)]) -> Set<Transition> {
    Set(triples.map { Transition(from: $0.0, event: $0.1, to: $0.2) })
}
