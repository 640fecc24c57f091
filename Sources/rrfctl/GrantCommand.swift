import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl grant`: agreements, suspension, termination and closure.
struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Sign, suspend, resume, terminate, close, list and show grants.",
        subcommands: [Sign.self, Suspend.self, Resume.self, Terminate.self, Close.self, List.self, Show.self, Log.self]
    )

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
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
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let store = database.store()
                let record = try store.signGrant(
                    reference, signatory: signatory, startDate: try start.map(date), expectedVersion: version.expectedVersion,
                    as: try actor.resolved()
                )
                try showGrant(record, tranches: try store.tranches(record.reference), output)
            }
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend a grant: releases are refused until it resumes (fund manager).")
        @Argument(help: "The grant's reference.") var reference: String
        @Option(parsing: .unconditional, help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                try showGrant(try database.store().suspendGrant(reference, reason: reason, expectedVersion: version.expectedVersion, as: try actor.resolved()), output)
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a grant's suspension (fund manager).")
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                try showGrant(try database.store().resumeGrant(reference, expectedVersion: version.expectedVersion, as: try actor.resolved()), output)
            }
        }
    }

    struct Terminate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Terminate a grant (fund manager): cancels unreleased tranches and de-commits their money back to the envelope."
        )
        @Argument(help: "The grant's reference.") var reference: String
        @Option(parsing: .unconditional, help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                try showGrant(try database.store().terminateGrant(reference, reason: reason, expectedVersion: version.expectedVersion, as: try actor.resolved()), output)
            }
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a grant whose final report is accepted (fund manager): refunds the unspent balance."
        )
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                try showGrant(try database.store().closeGrant(reference, expectedVersion: version.expectedVersion, as: try actor.resolved()), output)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List grants.")
        @Option(help: "Only grants in this state (agreement_pending, active, suspended, closing, closed, terminated).") var state: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let grants = try database.store().grants(state: state, limit: page.limit, offset: page.offset)
                if output.json { return try printJSON(grants) }
                var table = TextTable("REFERENCE", "ORGANISATION", "CALL", "CLUSTER", "AMOUNT", "RISK", "STATE")
                for grant in grants {
                    table.add(grant.reference, grant.organisation, grant.call, grant.cluster.rawValue, grant.amount.grouped, grant.risk.rawValue, grant.state)
                }
                print(table.render())
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a grant with its tranches.")
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let store = database.store()
                try showGrant(try store.grant(reference), tranches: try store.tranches(reference), output)
            }
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the audit history of a grant, its tranches and reports, oldest first.")
        @Argument(help: "The grant's reference.") var reference: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let events = try database.store().grantHistory(reference)
                if output.json { return try printJSON(events) }
                var table = TextTable("SEQ", "TIME", "EVENT", "ACTOR")
                for event in events {
                    table.add("\(event.sequence)", ISO8601DateFormatter().string(from: event.occurredAt), event.type, event.actor)
                }
                print(table.render())
            }
        }
    }
}

/// Prints a grant (and optionally its tranches) as text or JSON.
func showGrant(_ grant: GrantRecord, tranches: [TrancheRecord]? = nil, _ output: OutputOptions) throws {
    if output.json {
        struct Shown: Encodable { let grant: GrantRecord; let tranches: [TrancheRecord]? }
        return try printJSON(Shown(grant: grant, tranches: tranches))
    }
    var lines = [
        "Grant \(grant.reference): \(grant.state.replacingOccurrences(of: "_", with: " ")) (version \(grant.version))",
        "Organisation: \(grant.organisation)   Call: \(grant.call) / \(grant.cluster.rawValue)   Risk: \(grant.risk.rawValue)",
        "Amount: \(grant.amount.grouped)   Period: \(grant.startDate) to \(grant.endDate)",
    ]
    if let signedOn = grant.signedOn { lines.append("Signed on \(signedOn) by \(grant.signatory ?? "-")") }
    if let reason = grant.reason { lines.append("Reason: \(reason)") }
    if let refund = grant.refund { lines.append("Refunded: \(refund.grouped)") }
    print(lines.joined(separator: "\n"))
    if let tranches { print(""); printTranches(tranches) }
}
