import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The pages people work with: what each shows comes from the store's queries, already scoped to the person.

extension Portal {
    /// What the dashboard shows, as the store answered it for the person.
    struct DashboardData: Sendable {
        var user: UserRecord
        var proposals: Page<ProposalRecord>?
        var drafts: [ProposalDraftRecord]?
        var grants: [GrantOverview]?
        var reviews: [ReviewRecord]?
        var certificates: [CertificateRecord]?
    }

    /// How many proposals the dashboard lists at a time: a page that loads quickly on a field office's slow link.
    static let dashboardPageSize = 50

    /// The person's dashboard: an NGO user's proposals and grants (tranches with what they wait for, reports
    /// due and overdue, a link to write the ones the report's machine would take) and their staff's
    /// certificates with expiry; a reviewer's assignments; staff's proposals, 50 at a time (`?after=` the
    /// next page's cursor). Each list is what the store lets them see; all of them are read in one transaction.
    func dashboard(_ request: Request, store: FundStore, person: SignedInPerson) async throws -> Response {
        let user = person.user
        let after = try PageNavigation.cursor(request)
        let data = try await runner.run { try store.reading("portal.dashboard") { store in
            let roles = Set(user.roles)
            var data = DashboardData(user: user)
            if !roles.isDisjoint(with: [.ngoUser, .fundManager, .secretariat]) {
                data.proposals = try store.proposals(ProposalFilter(limit: Self.dashboardPageSize, after: after))
            }
            if !roles.isDisjoint(with: [.ngoUser, .fundManager, .secretariat, .financeOfficer]) {
                data.grants = try store.grantOverviews(limit: 100)
            }
            if roles.contains(.ngoUser) {
                data.certificates = try user.organisations.flatMap { try store.trainingCertificates(CertificateFilter(organisation: $0, includeInvalid: true)) }
            }
            if roles.contains(.reviewer) { data.reviews = try store.reviews(ReviewFilter(limit: 200)).items }
            if roles.contains(.ngoUser) { data.drafts = try store.proposalDrafts() }
            return data
        } }
        var values: [String: Any] = ["heading": data.user.organisations.first.map { "\(data.user.displayName) — \($0)" } ?? data.user.displayName]
        if let proposals = data.proposals {
            values["showProposals"] = true
            values["noProposals"] = proposals.isEmpty
            values["pageNav"] = PageNavigation.values(proposals, after: after, path: "/")
            values["proposals"] = proposals.map { proposal -> [String: Any] in
                ["reference": proposal.reference, "title": proposal.title, "call": proposal.call, "state": pages.state(proposal.state, for: request), "requested": proposal.requested.grouped]
            }
        }
        if let drafts = data.drafts {
            values["showDrafts"] = true
            values["noDrafts"] = drafts.isEmpty
            values["drafts"] = drafts.map { draft -> [String: Any] in
                ["id": draft.id.uuidString.lowercased(), "title": draft.content.title.isEmpty ? "—" : draft.content.title, "call": draft.call, "updated": pages.time(draft.updatedAt)]
            }
        }
        if let grants = data.grants {
            values["showGrants"] = true
            values["noGrants"] = grants.isEmpty
            let writes = user.roles.contains(.ngoUser)
            values["grants"] = grants.map { overview -> [String: Any] in
                [
                    "reference": overview.grant.reference, "state": pages.state(overview.grant.state, for: request), "amount": overview.grant.amount.grouped,
                    "tranches": overview.tranches.map { ["sequence": $0.sequence, "amount": $0.amount.grouped, "state": pages.state($0.state, for: request), "waiting": $0.unmet.isEmpty ? "—" : $0.unmet.joined(separator: " ")] },
                    "reports": overview.reports.map {
                        ["sequence": $0.sequence, "kind": $0.kind.rawValue, "state": pages.state($0.state, for: request), "due": $0.dueDate.description, "overdue": $0.overdue,
                         "grant": overview.grant.reference, "writable": writes && ReportMachine.offers("submit", from: $0.state)]
                    },
                ]
            }
        }
        if let certificates = data.certificates {
            values["showCertificates"] = true
            values["noCertificates"] = certificates.isEmpty
            values["certificates"] = certificates.map {
                ["reference": $0.reference, "holder": $0.holderName, "course": $0.courseTitle, "validThrough": $0.validThrough.description, "status": pages.state($0.status, for: request)]
            }
        }
        if let reviews = data.reviews {
            values["showReviews"] = true
            values["noReviews"] = reviews.isEmpty
            values["reviews"] = reviews.map { ["reference": $0.reference, "round": $0.round, "state": pages.state($0.state, for: request), "due": pages.time($0.dueAt), "overdue": $0.overdue] }
        }
        return pages.render("dashboard", values, request: request, person: person.page)
    }

    /// The open calls with their envelopes, deadlines and the training their applicants' staff need.
    func calls(_ request: Request, store: FundStore, person: SignedInPerson) async throws -> Response {
        let records = try await runner.run { try store.calls(state: "open").map { ($0, try store.trainingRequirements(call: $0.code)) } }
        let calls = records.map { call, training -> [String: Any] in
            [
                "code": call.code, "title": call.configuration.title, "deadline": pages.time(call.configuration.submissionDeadline),
                "reviewDeadline": pages.time(call.configuration.reviewDeadline),
                "envelopes": call.envelopes.map { ["cluster": $0.cluster.displayName, "amount": $0.amount.grouped] },
                "training": training.map { ["course": $0.courseTitle, "minimum": $0.minimumStaff] }, "hasTraining": !training.isEmpty,
            ]
        }
        return pages.render("calls", ["calls": calls, "noCalls": calls.isEmpty], request: request, person: person.page)
    }
}
