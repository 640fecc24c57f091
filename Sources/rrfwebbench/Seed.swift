import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// The benchmark's fund: staff and 100 partner organisations through the store, one open call, one proposal
/// scored through the whole review path, then `proposals` proposals written in bulk by SQL (the store would take
/// minutes), 1 % of them scored with a copy of the real proposal's aggregate so the ranking has work to do.
struct BenchFund {
    /// The password of the benchmark's seeded people, on a throwaway cluster the run deletes (not a credential).
    static let password = "Benchmarks measure, they do not guess"
    let store: FundStore
    /// Session tokens by login (`ngo` is an NGO officer of NGO-001, `fm` a fund manager).
    let sessions: [String: String]
    /// An API token of the fund manager.
    let apiToken: String

    static func seed(_ cluster: ThrowawayCluster, proposals count: Int) throws -> BenchFund {
        let pool = ConnectionPool(configuration: cluster.configuration(applicationName: "rrfwebbench"), maximumConnections: 16)
        let store = FundStore(pool: pool)
        _ = try store.addUser(login: "admin", displayName: "Ada Admin", roles: [.admin], as: nil)
        _ = try store.addUser(login: "sec", displayName: "Sam Secretariat", roles: [.secretariat], as: "admin")
        _ = try store.addUser(login: "fm", displayName: "Fatima Manager", roles: [.fundManager], as: "admin")
        let expires = LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 300)
        for number in 1...100 {
            let code = String(format: "NGO-%03d", number)
            _ = try store.registerOrganisation(code: code, name: "Partner \(number)", country: "KE", as: "sec")
            _ = try store.assessOrganisation(code, risk: .low, dueDiligenceExpires: expires, as: "sec")
        }
        _ = try store.addUser(login: "ngo", displayName: "Nadia Hassan", roles: [.ngoUser], organisations: ["NGO-001"], as: "admin")
        for login in ["r1", "r2", "r3"] { _ = try store.addUser(login: login, displayName: "Reviewer \(login)", roles: [.reviewer], as: "admin") }
        let usd = try Currency(code: "USD")
        let configuration = CallConfiguration(
            title: "Floods", kind: .standard, currency: usd, envelopes: [.health: Money(minorUnits: 10_000_000_000, currency: usd)],
            perProposalCeiling: Money(minorUnits: 5_000_000, currency: usd), submissionDeadline: Date().addingTimeInterval(20 * 86_400),
            reviewDeadline: Date().addingTimeInterval(30 * 86_400), decisionSLA: .businessDays(10), scorecard: CallDefaults.scorecard
        )
        _ = try store.createCall(code: "SA-1", configuration: configuration, as: "sec")
        _ = try store.openCall("SA-1", as: "sec")
        _ = try store.createCommittee(code: "PRC-H", call: "SA-1", cluster: .health, chair: "r1", quorum: 3, as: "sec")
        for login in ["r2", "r3"] { _ = try store.addCommitteeMember("PRC-H", member: login, as: "sec") }
        let first = try store.submitProposal(ProposalSubmission(
            organisation: "NGO-001", call: "SA-1", cluster: "health", title: "Cholera response", summary: "Water and care.", locations: ["Garissa"],
            beneficiaries: 1_000, requested: "1000 USD", durationMonths: 6, budgetLines: [.init(description: "Everything", amount: "1000 USD")]
        ), as: "ngo")
        _ = try store.screenProposal(first.reference, passed: true, as: "sec")
        let criteria = CallDefaults.scorecard.criteria
        for login in ["r1", "r2", "r3"] {
            _ = try store.assignReviewer(first.reference, reviewer: login, as: "sec")
            let scores = Dictionary(uniqueKeysWithValues: criteria.map { ($0.id, $0.maxScore) })
            _ = try store.submitReview(first.reference, reviewer: login, ReviewScoresInput(scores: scores, comments: "Sound."), as: login)
        }
        _ = try store.aggregateReviews(first.reference, as: "sec")
        try bulkProposals(count - 1, like: first.reference, cluster)

        var sessions: [String: String] = [:]
        for login in ["ngo", "fm"] {
            let link = try invitationLink(for: login, cluster)
            let enrolment = try store.acceptCredentialLink(token: link, password: password)
            sessions[login] = try store.signIn(login: login, password: password, code: enrolment?.recoveryCodes.first, label: "bench").secret
        }
        let api = try store.signedIn(token: sessions["fm"]!, channel: .api).createAPIToken(label: "bench", days: 1, as: "fm").secret
        return BenchFund(store: store, sessions: sessions, apiToken: api)
    }

    /// `count` submitted proposals spread over the 100 organisations, every hundredth scored with the aggregate
    /// of `reference` (benchmark data written beside the store, as a restore or a migration would).
    static func bulkProposals(_ count: Int, like reference: String, _ cluster: ThrowawayCluster) throws {
        let connection = try Connection(cluster.configuration(applicationName: "rrfwebbench-seed"))
        defer { connection.close() }
        try connection.query(
            """
            INSERT INTO proposals (id, reference, organisation_id, call_id, cluster, title, summary, locations, beneficiaries, requested_minor,
                                   currency, duration_months, budget_lines, state, round, submitted_by, submitted_at, decision_due)
            SELECT gen_random_uuid(), 'RRF-2026-' || CASE WHEN i + 1 < 1000 THEN lpad((i + 1)::text, 4, '0') ELSE (i + 1)::text END,
                   (SELECT id FROM organisations ORDER BY code OFFSET (i % 100) LIMIT 1), p.call_id, p.cluster, 'Proposal ' || i, p.summary,
                   p.locations, p.beneficiaries, 100000 + (i % 997) * 100, p.currency, p.duration_months, p.budget_lines,
                   CASE WHEN i % 100 = 0 THEN 'scored' ELSE 'submitted' END, 1, p.submitted_by,
                   p.submitted_at + make_interval(secs => i), p.decision_due
            FROM generate_series(1, $1::int) AS i, (SELECT * FROM proposals WHERE reference = $2) AS p
            """,
            [count, reference]
        )
        try connection.query(
            """
            INSERT INTO review_aggregates (proposal_id, round, reviews_counted, mean_hundredths, std_dev_hundredths, spread_hundredths, divergent,
                                           passes, aggregation, review_ids, computed_at)
            SELECT p.id, 1, a.reviews_counted, a.mean_hundredths, a.std_dev_hundredths, a.spread_hundredths, a.divergent, a.passes, a.aggregation,
                   a.review_ids, a.computed_at
            FROM proposals p, (SELECT a.* FROM review_aggregates a JOIN proposals q ON q.id = a.proposal_id WHERE q.reference = $1) AS a
            WHERE p.state = 'scored' AND p.reference <> $1
            """,
            [reference]
        )
        try connection.execute("ANALYZE")
    }

    /// A one-time link for `login`, written as an invitation would send it.
    static func invitationLink(for login: String, _ cluster: ThrowawayCluster) throws -> String {
        let link = "rrfl_bench_\(UUID().uuidString)"
        let connection = try Connection(cluster.configuration(applicationName: "rrfwebbench-seed"))
        defer { connection.close() }
        try connection.query(
            """
            INSERT INTO credential_links (id, user_id, purpose, token_hash, created_at, expires_at)
            SELECT gen_random_uuid(), id, 'invitation', sha256(convert_to($2, 'UTF8')), now(), now() + interval '1 hour' FROM users WHERE login = $1
            """,
            [login, link]
        )
        return link
    }
}
