import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `rrfctl grant`: agreements, suspension, termination and closure.
struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Sign, suspend, resume, terminate, close, list and show grants.",
        subcommands: [Sign.self, Suspend.self, Resume.self, Terminate.self, Close.self, List.self, Show.self, Log.self]
    )

    struct Sign: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "sign",
            abstract: "Sign the agreement of an approved proposal (fund manager): creates the grant, its tranche plan and report schedule.",
            discussion: """
                Tranches by the organisation's risk rating: low 70/30 %, medium 50/30/20 %, high 40/30/20/10 % (the \
                last takes the rounding remainder). Interim reports every 6 (low), 3 (medium) or 2 (high) months, \
                more often when the project is too short for one before each later tranche, each due 30 days after \
                its period; the final report is due 60 days after the end. Each later tranche needs an accepted \
                report showing at least 70 % of the money received spent.
                """
        )
        @Argument(help: "The proposal's (and grant's) reference, e.g. RRF-2026-0042.") var reference: String
        @Option(parsing: .unconditional, help: "Who signed for the organisation: \"Name, Title\".") var signatory: String
        @Option(help: "The project's first day (default: today), e.g. 2026-12-01.") var start: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> GrantView {
            let record = try store.signGrant(
                reference, signatory: signatory, startDate: try start.map { try date($0, option: "--start") }, expectedVersion: version.expectedVersion, as: login
            )
            return GrantView(grant: record, tranches: try store.tranches(record.reference))
        }
    }

    struct Suspend: StoreChange {
        static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend a grant: releases are refused until it resumes (fund manager).")
        @Argument(help: "The grant's reference.") var reference: String
        @Option(parsing: .unconditional, help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> GrantView {
            GrantView(grant: try store.suspendGrant(reference, reason: reason, expectedVersion: version.expectedVersion, as: login))
        }
    }

    struct Resume: StoreChange {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Lift a grant's suspension (fund manager).")
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> GrantView {
            GrantView(grant: try store.resumeGrant(reference, expectedVersion: version.expectedVersion, as: login))
        }
    }

    struct Terminate: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "terminate",
            abstract: "Terminate a grant (fund manager): cancels unreleased tranches and de-commits their money back to the envelope."
        )
        @Argument(help: "The grant's reference.") var reference: String
        @Option(parsing: .unconditional, help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> GrantView {
            GrantView(grant: try store.terminateGrant(reference, reason: reason, expectedVersion: version.expectedVersion, as: login))
        }
    }

    struct Close: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "close",
            abstract: "Close a grant whose final report is accepted (fund manager): refunds the unspent balance."
        )
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> GrantView {
            GrantView(grant: try store.closeGrant(reference, expectedVersion: version.expectedVersion, as: login))
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List grants.")
        @Option(help: "Only grants in this state (agreement_pending, active, suspended, closing, closed, terminated).") var state: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws { try requireOneOf(state, names(GrantMachine.State.Name.self), option: "--state") }

        func perform(_ store: FundStore) throws -> Page<GrantRecord> { try store.grants(state: state, limit: page.limit, after: page.after) }

        func show(_ grants: Page<GrantRecord>) {
            var table = TextTable("REFERENCE", "ORGANISATION", "CALL", "CLUSTER", "AMOUNT", "RISK", "STATE")
            for grant in grants {
                table.add(grant.reference, grant.organisation, grant.call, grant.cluster.rawValue, grant.amount.grouped, grant.risk.rawValue, grant.state)
            }
            print(table.render())
        }
    }

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a grant with its tranches.")
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> GrantView {
            GrantView(grant: try store.grant(reference), tranches: try store.tranches(reference))
        }
    }

    struct Log: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "Show the audit history of a grant, its tranches and reports, oldest first.")
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [AuditEvent] { try store.grantHistory(reference) }

        func show(_ events: [AuditEvent]) {
            var table = TextTable("SEQ", "TIME", "EVENT", "ACTOR")
            for event in events {
                table.add("\(event.sequence)", ISO8601DateFormatter().string(from: event.occurredAt), event.type, event.actor)
            }
            print(table.render())
        }
    }
}

/// A grant as commands print it: with its tranches where the command shows them.
struct GrantView: Encodable, HumanReadable {
    let grant: GrantRecord
    var tranches: [TrancheRecord]?

    /// Prints the grant's fields, then its tranches.
    func printForPeople() {
        var lines = [
            "Grant \(grant.reference): \(grant.state.replacingOccurrences(of: "_", with: " ")) (version \(grant.version))",
            "Organisation: \(grant.organisation)   Call: \(grant.call) / \(grant.cluster.rawValue)   Risk: \(grant.risk.rawValue)",
            "Amount: \(grant.amount.grouped)   Period: \(grant.startDate) to \(grant.endDate)",
        ]
        if let signedOn = grant.signedOn { lines.append("Signed on \(signedOn) by \(grant.signatory ?? "-")") }
        if let reason = grant.reason { lines.append("Reason: \(reason)") }
        if let refund = grant.refund { lines.append("Refunded: \(refund.grouped)") }
        print(lines.joined(separator: "\n"))
        if let tranches { print(""); TrancheRecord.printTable(tranches) }
    }
}
