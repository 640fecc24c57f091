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

    struct Create: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a committee for a call's cluster, or a standing committee of a cluster (secretariat).",
            discussion: "Example: rrfctl committee create PRC-SA1-HEALTH --call SA-2026-1 --cluster health --chair rita --quorum 3 --as sec"
        )
        @Argument(help: "Short unique code, e.g. PRC-SA1-HEALTH.") var code: String
        @Option(help: "The call's code (omit for a standing committee serving every call of the cluster).") var call: String?
        @Option(help: "The cluster reviewed, e.g. health.") var cluster: String
        @Option(help: "The chair's login (a reviewer; becomes a member).", transform: loginArgument) var chair: String?
        @Option(help: "Submitted reviews needed (default: the call's quorum).") var quorum: Int?
        @Option(help: "Reviews are due by this time (default: the call's review deadline; a bare date: the end of that day, UTC).") var reviewDeadline: String?
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CommitteeRecord {
            let cluster = try parsed { () throws(WorkflowRejection) in try Cluster(code: self.cluster.trimmingCharacters(in: .whitespaces).lowercased()) }
            let deadline = try reviewDeadline.map { try instant($0, option: "--review-deadline", bareDate: .endOfDay) }
            return try store.createCommittee(code: code, call: call, cluster: cluster, chair: chair, quorum: quorum, reviewDeadline: deadline, as: login)
        }
    }

    struct AddMember: StoreChange {
        static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Add a reviewer to a committee (secretariat).")
        @Argument(help: "The committee's code.") var committee: String
        @Argument(help: "The reviewer's login.", transform: loginArgument) var member: String
        @Flag(help: "Make the member the committee's chair.") var chair = false
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CommitteeRecord {
            try store.addCommitteeMember(committee, member: member, chair: chair, as: login)
        }
    }

    struct DeclareConflict: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "declare-conflict",
            abstract: "Declare a reviewer's conflict of interest with an organisation (the reviewer, or the secretariat for them).",
            discussion: "Open assignments to the organisation's proposals are blocked and submitted reviews stop counting."
        )
        @Argument(help: "The reviewer's login.", transform: loginArgument) var reviewer: String
        @Option(help: "The organisation's code.") var organisation: String
        @Option(parsing: .unconditional, help: "Why (e.g. former employer).") var reason: String
        @Option(help: "The day of the declaration (default: today), e.g. 2026-11-22.") var on: String?
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ConflictRecord {
            let day = try on.map { try date($0, option: "--on") }
            return try store.declareConflict(reviewer: reviewer, organisation: organisation, reason: reason, declaredOn: day, as: login)
        }

        func show(_ record: ConflictRecord) {
            print("\(record.reviewer) declared a conflict of interest with \(record.organisation) on \(record.declaredOn): \(record.reason)")
        }
    }

    struct Conflicts: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "conflicts", abstract: "List declared conflicts of interest.")
        @Option(help: "Only this reviewer's.", transform: loginArgument) var reviewer: String?
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [ConflictRecord] { try store.conflicts(reviewer: reviewer) }

        func show(_ records: [ConflictRecord]) {
            var table = TextTable("REVIEWER", "ORGANISATION", "DECLARED", "REASON")
            for record in records { table.add(record.reviewer, record.organisation, record.declaredOn.description, record.reason) }
            print(table.render())
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List committees.")
        @Option(help: "Only the committees of this call.", transform: codeArgument) var call: String?
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [CommitteeRecord] { try store.committees(call: call) }

        func show(_ records: [CommitteeRecord]) {
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

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a committee with its members and their open assignments.")
        @Argument(help: "The committee's code.") var code: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> CommitteeRecord { try store.committee(code) }
    }
}

extension CommitteeRecord: HumanReadable {
    /// The committee's fields, then its members.
    func printForPeople() {
        printFields([
            ("Code", code), ("Call", call ?? "(standing committee of the cluster)"), ("Cluster", cluster.rawValue),
            ("Chair", chair ?? "-"), ("Quorum", quorum.map(String.init) ?? "the call's"),
            ("Review deadline", reviewDeadline.map { ISO8601DateFormatter().string(from: $0) } ?? "the call's"),
            ("Version", "\(version)"),
        ])
        var table = TextTable("MEMBER", "NAME", "CHAIR", "OPEN ASSIGNMENTS")
        for member in members {
            table.add(member.login, member.displayName, member.isChair ? "yes" : "", "\(member.openAssignments)")
        }
        print("")
        print(table.render())
    }
}
