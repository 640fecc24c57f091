import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// The format of a proposal file, for the help of `proposal submit` and `proposal resubmit`.
private let proposalFormat = """
    The proposal file (JSON; YAML when it ends in .yaml or .yml) holds:
      organisation           the organisation's code
      call                   the call's code
      cluster                one of the call's clusters, e.g. health
      title                  text
      summary                optional: text (line breaks allowed)
      locations              a list of places
      beneficiaries          a whole number above 0
      requested              the amount with its currency, e.g. "12500.50 USD"
      duration_months        1 to 24
      budget_lines           a list, each with description and amount, adding
                             up to requested
    Example (proposal.yaml):
      organisation: NGO-ALPHA
      call: SA-2026-1
      cluster: health
      title: Mobile clinics for displaced families
      locations: [Maiduguri, Bama]
      beneficiaries: 4000
      requested: 12500.00 USD
      duration_months: 6
      budget_lines:
        - {description: Medicines, amount: 7500.00 USD}
        - {description: Staff, amount: 5000.00 USD}
    A file not in its format (an unknown or missing field, a wrong type) is refused with exit code 65, naming the file, \
    the field and, for YAML, the line; content that breaks a rule of the fund is refused with exit code 3.
    """

/// `rrfctl proposal`: submissions, screening and decisions.
struct ProposalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposal",
        abstract: "Submit, screen, decide, withdraw and list proposals.",
        subcommands: [Submit.self, Resubmit.self, Screen.self, Decide.self, Withdraw.self, List.self, Show.self]
    )

    struct Submit: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Submit a proposal from a JSON or YAML file (a user of the organisation).",
            discussion: proposalFormat
        )
        @Option(help: "The proposal file (.json, .yaml or .yml; - reads JSON from standard input).") var file: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ProposalRecord {
            try store.submitProposal(try decodeFile(file, as: ProposalSubmission.self, shape: ProposalSubmission.documentShape), as: login)
        }
    }

    struct Resubmit: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "resubmit",
            abstract: "Resubmit a proposal sent back for revision, as a new review round.", discussion: proposalFormat
        )
        @Argument(help: "The proposal's reference, e.g. RRF-2026-0042.") var reference: String
        @Option(help: "The revised proposal file, as for proposal submit (default: resubmit the content unchanged).") var file: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ProposalRecord {
            let revised = try file.map { try decodeFile($0, as: ProposalSubmission.self, shape: ProposalSubmission.documentShape) }
            return try store.resubmitProposal(reference, revised: revised, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Screen: StoreChange {
        static let configuration = CommandConfiguration(commandName: "screen", abstract: "Screen a submitted proposal: pass, or fail with a reason (secretariat).")
        @Argument(help: "The proposal's reference.") var reference: String
        @Argument(help: "pass or fail.") var outcome: String
        @Option(help: "Why it fails screening (required for fail).") var reason: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func validate() throws {
            guard ["pass", "fail"].contains(outcome.lowercased()) else {
                throw ValidationError("\"\(outcome)\" is not a screening outcome; use pass or fail.")
            }
        }

        func perform(_ store: FundStore, as login: String) throws -> ProposalRecord {
            try store.screenProposal(reference, passed: outcome.lowercased() == "pass", reason: reason, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Decide: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "decide",
            abstract: "Decide on a scored proposal: approve, reject or revise (fund manager).",
            discussion: """
                approve --amount "12500.50 USD" --justification "…"
                reject --justification "…"
                revise --reason "…"
                """
        )
        @Argument(help: "The proposal's reference.") var reference: String
        @Argument(help: "approve, reject or revise.") var decision: String
        @Option(parsing: .unconditional, help: "The approved amount with its currency (approve).") var amount: String?
        @Option(parsing: .unconditional, help: "The written justification (approve, reject).") var justification: String?
        @Option(parsing: .unconditional, help: "What must change (revise).") var reason: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func validate() throws {
            switch decision.lowercased() {
            case "approve":
                if amount == nil { throw ValidationError("Give the approved amount with --amount, e.g. --amount \"12500.50 USD\".") }
            case "reject", "revise", "revision":
                break
            default:
                throw ValidationError("\"\(decision)\" is not a decision; use approve, reject or revise.")
            }
        }

        func perform(_ store: FundStore, as login: String) throws -> ProposalRecord {
            // validate() admitted only these decisions, and approve only with an amount.
            let input: ProposalDecisionInput = switch (decision.lowercased(), amount) {
            case ("approve", let amount?): .approve(amount: try money(amount, field: "--amount"), justification: justification ?? "")
            case ("reject", _): .reject(justification: justification ?? "")
            default: .requestRevision(reason: reason ?? justification ?? "")
            }
            return try store.decideProposal(reference, input, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Withdraw: StoreChange {
        static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Withdraw a proposal before its decision (the organisation or the secretariat).")
        @Argument(help: "The proposal's reference.") var reference: String
        @Option(help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ProposalRecord {
            try store.withdrawProposal(reference, reason: reason, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List proposals, with filters.")
        @Option(help: "Only proposals in this state.") var state: String?
        @Option(help: "Only proposals to this call (code).", transform: codeArgument) var call: String?
        @Option(help: "Only proposals of this cluster.") var cluster: String?
        @Option(help: "Only proposals of this organisation (code).", transform: codeArgument) var organisation: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws {
            try requireOneOf(state, names(ProposalMachine.State.Name.self), option: "--state")
            try requireOneOf(cluster?.lowercased(), Cluster.allCases.map(\.rawValue), option: "--cluster")
        }

        func perform(_ store: FundStore) throws -> Page<ProposalRecord> {
            let clusterFilter = try cluster.map { text in try parsed { () throws(WorkflowRejection) in try Cluster(code: text.lowercased()) } }
            return try store.proposals(ProposalFilter(
                state: state, call: call, cluster: clusterFilter, organisation: organisation, limit: page.limit, after: page.after
            ))
        }

        func show(_ records: Page<ProposalRecord>) {
            var table = TextTable("REFERENCE", "ORGANISATION", "CALL", "CLUSTER", "STATE", "ROUND", "REQUESTED", "APPROVED", "TITLE")
            for record in records {
                table.add(
                    record.reference, record.organisation, record.call, record.cluster.rawValue, record.state, "\(record.round)",
                    record.requested.grouped, record.approved?.grouped ?? "", String(record.title.prefix(60))
                )
            }
            print(table.render())
        }
    }

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one proposal by reference.")
        @Argument(help: "The proposal's reference, e.g. RRF-2026-0042.") var reference: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> ProposalRecord { try store.proposal(reference) }
    }
}

extension ProposalRecord: HumanReadable {
    /// The proposal's fields.
    func printForPeople() {
        let formatter = ISO8601DateFormatter()
        printFields([
            ("Reference", reference), ("Title", title), ("Organisation", organisation), ("Call", call),
            ("Cluster", cluster.rawValue), ("State", state), ("Round", "\(round)"),
            ("Requested", requested.grouped), ("Beneficiaries", "\(beneficiaries)"),
            ("Duration", "\(durationMonths) months"), ("Locations", locations.joined(separator: ", ")),
            ("Submitted", "\(formatter.string(from: submittedAt)) by \(submittedBy)"),
            ("Decision due", formatter.string(from: decisionDue)),
            ("Screening reason", screeningReason), ("Decision", decision), ("Approved", approved?.grouped),
            ("Decided", decidedAt.map { "\(formatter.string(from: $0)) by \(decidedBy ?? "")" }),
            ("Justification", justification), ("Withdrawn because", withdrawalReason), ("Version", "\(version)"),
        ])
    }
}
