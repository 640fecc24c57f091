import Foundation
import RRFStore
import RRFWorkflow

/// Acts 7 to 9: donors fund the envelopes, committees score the proposals, the fund manager decides.
extension DemoStory {
    static let donor = "Nordic Humanitarian Donor Consortium"

    func funding() throws {
        for call in try store.calls(limit: 100).sorted(by: { $0.code < $1.code }) {
            for envelope in call.envelopes {
                _ = try desk.store(DemoCast.financeOfficer.login).deposit(call: call.code, cluster: envelope.cluster, amount: envelope.amount, donor: Self.donor, as: DemoCast.financeOfficer.login)
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
                _ = try desk.store(secretariat).createCommittee(code: code, call: submission.call, cluster: submission.cluster, chair: panel[0].login, as: secretariat)
                for member in panel.dropFirst() + [affiliated] { _ = try desk.store(secretariat).addCommitteeMember(code, member: member.login, as: secretariat) }
                committees.insert(code)
                narrator.say("The \(submission.cluster.displayName) committee \(code) of \(submission.call) is formed: \((panel + [affiliated]).map(\.name).joined(separator: ", ")).")
            }
            if affiliated.organisations.contains(submission.organisation) {
                do {
                    _ = try desk.store(secretariat).assignReviewer(reference, reviewer: affiliated.login, as: secretariat)
                } catch let error as StoreError {
                    narrator.refused("Assigning \(affiliated.name) to \(reference) of \(submission.organisation)", error)
                }
            }
            for reviewer in panel { _ = try desk.store(secretariat).assignReviewer(reference, reviewer: reviewer.login, as: secretariat) }
            clock.advance(businessHours: 3)
            for (reviewer, mark) in zip(panel, marks) {
                let criteria = ["relevance", "feasibility", "value_for_money", "capacity"]
                let comments = mark <= 2 ? "Weak needs analysis and no protection mainstreaming." : "Sound plan for the affected people."
                _ = try desk.store(reviewer.login).submitReview(reference, ReviewScoresInput(scores: Dictionary(uniqueKeysWithValues: criteria.map { ($0, mark) }), comments: comments), as: reviewer.login)
                clock.advance(minutes: 40)
            }
            if let aggregate = try desk.store(secretariat).aggregateReviews(reference, as: secretariat) {
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
                  try store.proposal(reference).stateName == .scored else { continue }
            if decision.approve {
                let amount = try money("\(decision.amount ?? submission.requested) USD", field: "amount")
                _ = try desk.store(manager).decideProposal(reference, .approve(amount: amount, justification: decision.why), as: manager)
                narrator.say("\(DemoCast.fundManager.name) approves \(reference) for \(amount.grouped): \(decision.why)")
            } else {
                _ = try desk.store(manager).decideProposal(reference, .reject(justification: decision.why), as: manager)
                narrator.say("\(DemoCast.fundManager.name) rejects \(reference): \(decision.why)")
            }
            clock.advance(businessHours: 2)
        }
    }
}
