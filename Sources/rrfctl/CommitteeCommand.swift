import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl committee`: peer review committees, their members and conflicts of interest.
struct CommitteeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committee",
        abstract: "Create peer review committees, add members, declare conflicts of interest, list and show them.",
        subcommands: [Create.self, AddMember.self, DeclareConflict.self, Conflicts.self, List.self, Show.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a committee for a call's cluster, or a standing committee of a cluster (secretariat).",
            discussion: "Example: rrfctl committee create PRC-SA1-HEALTH --call SA-2026-1 --cluster health --chair rita --quorum 3 --as sec"
        )
        @Argument(help: "Short unique code, e.g. PRC-SA1-HEALTH.") var code: String
        @Option(help: "The call's code (omit for a standing committee serving every call of the cluster).") var call: String?
        @Option(help: "The cluster reviewed, e.g. health.") var cluster: String
        @Option(help: "The chair's login (a reviewer; becomes a member).") var chair: String?
        @Option(help: "Submitted reviews needed (default: the call's quorum).") var quorum: Int?
        @Option(help: "Reviews are due by this time (default: the call's review deadline; a bare date: the end of that day, UTC).") var reviewDeadline: String?
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let cluster = try parsed { () throws(WorkflowRejection) in try Cluster(code: self.cluster.trimmingCharacters(in: .whitespaces).lowercased()) }
                let deadline = try reviewDeadline.map { try instant($0, option: "--review-deadline", bareDate: .endOfDay) }
                try showCommittee(try database.store().createCommittee(
                    code: code, call: call, cluster: cluster, chair: chair, quorum: quorum, reviewDeadline: deadline, as: try actor.resolved()
                ), output)
            }
        }
    }

    struct AddMember: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Add a reviewer to a committee (secretariat).")
        @Argument(help: "The committee's code.") var committee: String
        @Argument(help: "The reviewer's login.") var member: String
        @Flag(help: "Make the member the committee's chair.") var chair = false
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                try showCommittee(try database.store().addCommitteeMember(committee, member: member, chair: chair, as: try actor.resolved()), output)
            }
        }
    }

    struct DeclareConflict: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "declare-conflict",
            abstract: "Declare a reviewer's conflict of interest with an organisation (the reviewer, or the secretariat for them).",
            discussion: "Open assignments to the organisation's proposals are blocked and submitted reviews stop counting."
        )
        @Argument(help: "The reviewer's login.") var reviewer: String
        @Option(help: "The organisation's code.") var organisation: String
        @Option(parsing: .unconditional, help: "Why (e.g. former employer).") var reason: String
        @Option(help: "The day of the declaration (default: today), e.g. 2026-11-22.") var on: String?
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let day = try on.map { try date($0) }
                let record = try database.store().declareConflict(
                    reviewer: reviewer, organisation: organisation, reason: reason, declaredOn: day, as: try actor.resolved()
                )
                if output.json { return try printJSON(record) }
                print("\(record.reviewer) declared a conflict of interest with \(record.organisation) on \(record.declaredOn): \(record.reason)")
            }
        }
    }

    struct Conflicts: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List declared conflicts of interest.")
        @Option(help: "Only this reviewer's.") var reviewer: String?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let records = try database.store().conflicts(reviewer: reviewer)
                if output.json { return try printJSON(records) }
                var table = TextTable("REVIEWER", "ORGANISATION", "DECLARED", "REASON")
                for record in records { table.add(record.reviewer, record.organisation, record.declaredOn.description, record.reason) }
                print(table.render())
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List committees.")
        @Option(help: "Only the committees of this call.") var call: String?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let records = try database.store().committees(call: call)
                if output.json { return try printJSON(records) }
                var table = TextTable("CODE", "CALL", "CLUSTER", "CHAIR", "QUORUM", "MEMBERS")
                for record in records {
                    table.add(
                        record.code, record.call ?? "(standing)", record.cluster.rawValue, record.chair ?? "-",
                        record.quorum.map(String.init) ?? "call's", "\(record.members.count)"
                    )
                }
                print(table.render())
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a committee with its members and their open assignments.")
        @Argument(help: "The committee's code.") var code: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures { try showCommittee(try database.store().committee(code), output) }
        }
    }
}

private func showCommittee(_ record: CommitteeRecord, _ output: OutputOptions) throws {
    if output.json { return try printJSON(record) }
    printFields([
        ("Code", record.code), ("Call", record.call ?? "(standing committee of the cluster)"), ("Cluster", record.cluster.rawValue),
        ("Chair", record.chair ?? "-"), ("Quorum", record.quorum.map(String.init) ?? "the call's"),
        ("Review deadline", record.reviewDeadline.map { ISO8601DateFormatter().string(from: $0) } ?? "the call's"),
        ("Version", "\(record.version)"),
    ])
    var table = TextTable("MEMBER", "NAME", "CHAIR", "OPEN ASSIGNMENTS")
    for member in record.members {
        table.add(member.login, member.displayName, member.isChair ? "yes" : "", "\(member.openAssignments)")
    }
    print("")
    print(table.render())
}
