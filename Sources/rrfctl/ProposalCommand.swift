import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl proposal`: submissions, screening and decisions.
struct ProposalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposal",
        abstract: "Submit, screen, decide, withdraw and list proposals.",
        subcommands: [Submit.self, Resubmit.self, Screen.self, Decide.self, Withdraw.self, List.self, Show.self]
    )

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a proposal from a JSON or YAML file (a user of the organisation).",
            discussion: """
                The file names organisation, call, cluster, title, summary, locations, beneficiaries, requested \
                (e.g. "12500.50 USD"), duration_months and budget_lines (description and amount each).
                """
        )
        @Option(help: "The proposal file (.json, .yaml or .yml; - reads JSON from standard input).") var file: String
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let submission = try decodeFile(file, as: ProposalSubmission.self)
                try show(try options.store().submitProposal(submission, as: try options.login()), options.output)
            }
        }
    }

    struct Resubmit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resubmit a proposal sent back for revision, as a new review round.")
        @Argument(help: "The proposal's reference, e.g. RRF-2026-0042.") var reference: String
        @Option(help: "The revised proposal file (default: resubmit the content unchanged).") var file: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let revised = try file.map { try decodeFile($0, as: ProposalSubmission.self) }
                try show(try options.store().resubmitProposal(reference, revised: revised, expectedVersion: version.expectedVersion, as: try options.login()), options.output)
            }
        }
    }

    struct Screen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Screen a submitted proposal: pass, or fail with a reason (secretariat).")
        @Argument(help: "The proposal's reference.") var reference: String
        @Argument(help: "pass or fail.") var outcome: String
        @Option(help: "Why it fails screening (required for fail).") var reason: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let passed: Bool
                switch outcome.lowercased() {
                case "pass": passed = true
                case "fail": passed = false
                default: throw StoreError(.rejected, code: "outcome_invalid", "\"\(outcome)\" is not a screening outcome; use pass or fail.")
                }
                try show(try options.store().screenProposal(
                    reference, passed: passed, reason: reason, expectedVersion: version.expectedVersion, as: try options.login()
                ), options.output)
            }
        }
    }

    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
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

        func run() throws {
            try reportingFailures {
                let input: ProposalDecisionInput
                switch decision.lowercased() {
                case "approve":
                    guard let amount else {
                        throw StoreError(.rejected, code: "amount_missing", "Give the approved amount with --amount, e.g. --amount \"12500.50 USD\".")
                    }
                    input = .approve(amount: try money(amount), justification: justification ?? "")
                case "reject":
                    input = .reject(justification: justification ?? "")
                case "revise", "revision":
                    input = .requestRevision(reason: reason ?? justification ?? "")
                default:
                    throw StoreError(.rejected, code: "decision_invalid", "\"\(decision)\" is not a decision; use approve, reject or revise.")
                }
                try show(try options.store().decideProposal(reference, input, expectedVersion: version.expectedVersion, as: try options.login()), options.output)
            }
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a proposal before its decision (the organisation or the secretariat).")
        @Argument(help: "The proposal's reference.") var reference: String
        @Option(help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                try show(try options.store().withdrawProposal(reference, reason: reason, expectedVersion: version.expectedVersion, as: try options.login()), options.output)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List proposals, with filters.")
        @Option(help: "Only proposals in this state.") var state: String?
        @Option(help: "Only proposals to this call (code).") var call: String?
        @Option(help: "Only proposals of this cluster.") var cluster: String?
        @Option(help: "Only proposals of this organisation (code).") var organisation: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let clusterFilter = try cluster.map { text in try parsed { () throws(WorkflowRejection) in try Cluster(code: text.lowercased()) } }
                let records = try database.store().proposals(ProposalFilter(
                    state: state, call: call, cluster: clusterFilter, organisation: organisation, limit: page.limit, offset: page.offset
                ))
                if output.json { return try printJSON(records) }
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
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one proposal by reference.")
        @Argument(help: "The proposal's reference, e.g. RRF-2026-0042.") var reference: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures { try show(try database.store().proposal(reference), output) }
        }
    }
}

private func show(_ record: ProposalRecord, _ output: OutputOptions) throws {
    if output.json { return try printJSON(record) }
    let formatter = ISO8601DateFormatter()
    printFields([
        ("Reference", record.reference), ("Title", record.title), ("Organisation", record.organisation), ("Call", record.call),
        ("Cluster", record.cluster.rawValue), ("State", record.state), ("Round", "\(record.round)"),
        ("Requested", record.requested.grouped), ("Beneficiaries", "\(record.beneficiaries)"),
        ("Duration", "\(record.durationMonths) months"), ("Locations", record.locations.joined(separator: ", ")),
        ("Submitted", "\(formatter.string(from: record.submittedAt)) by \(record.submittedBy)"),
        ("Decision due", formatter.string(from: record.decisionDue)),
        ("Screening reason", record.screeningReason), ("Decision", record.decision), ("Approved", record.approved?.grouped),
        ("Decided", record.decidedAt.map { "\(formatter.string(from: $0)) by \(record.decidedBy ?? "")" }),
        ("Justification", record.justification), ("Withdrawn because", record.withdrawalReason), ("Version", "\(record.version)"),
    ])
}
