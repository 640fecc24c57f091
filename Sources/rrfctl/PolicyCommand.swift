import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl fund policy`: the fund's tranche policy, versioned.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show, change and list the versions of the fund's tranche policy.",
        discussion: """
            The policy sets the tranche percentages per risk rating, the share of the money received that must be reported \\
            spent before the next tranche, and the months each interim report covers. A grant keeps the version its \\
            agreement was signed under; rrfctl and rrfd evaluate its tranches with that version, and nobody can waive it.
            """,
        subcommands: [Show.self, Set.self, History.self]
    )

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the tranche policy in force.")
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> TranchePolicyVersion { try store.tranchePolicy() }
    }

    struct Set: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Replace the tranche policy with a new version (admin or fund manager).",
            discussion: """
                The file (JSON; YAML when it ends in .yaml or .yml) holds:
                  percentages            per risk rating (low, medium, high): 1 to 12
                                         tranche percentages above 0, adding up to 100
                  spendThresholdPercent  optional: the share (0 to 100) of the money
                                         received reported spent before the next
                                         tranche (default 70)
                  interimReportMonths    optional: per risk rating 1 to 12 months
                                         (default low 6, medium 3, high 2)
                Example (policy.yaml):
                  percentages: {low: [70, 30], medium: [50, 30, 20], high: [40, 30, 20, 10]}
                  spendThresholdPercent: 70
                  interimReportMonths: {low: 6, medium: 3, high: 2}
                Grants signed from now on use it; signed grants keep theirs. The change is audited (stream \
                fund:tranche-policy). A file not in its format (an unknown or missing field, a wrong type) is refused with exit code 65, naming the \
                file, the field and, for YAML, the line; percentages that break the rules above are refused with exit code 3.
                """
        )
        @Option(help: "The policy file (.yaml, .yml or .json; - reads JSON from standard input).") var file: String
        @Option(parsing: .unconditional, help: "Why the policy changes, for the audit log.") var reason: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> TranchePolicyVersion {
            try store.changeTranchePolicy(try decodeFile(file, as: TranchePolicy.self, shape: TranchePolicy.documentShape), reason: reason, as: login)
        }

        func show(_ stored: TranchePolicyVersion) {
            print("The tranche policy is now version \(stored.version).")
            stored.printForPeople()
        }
    }

    struct History: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "history", abstract: "List every version of the tranche policy, newest first.")
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [TranchePolicyVersion] { try store.tranchePolicyHistory() }
    }
}

extension TranchePolicyVersion: HumanReadable, TablePrintable {
    /// Policy versions as a table: one row per version and risk rating.
    static func printTable(_ versions: [TranchePolicyVersion]) {
        var table = TextTable("VERSION", "RISK", "TRANCHES %", "SPENT BEFORE NEXT", "REPORT EVERY", "BY", "AT", "REASON")
        for stored in versions {
            for risk in RiskRating.allCases {
                table.add(
                    String(stored.version), risk.rawValue, (stored.policy.percentages[risk] ?? []).map(String.init).joined(separator: "/"),
                    "\(stored.policy.spendThresholdPercent) %", "\(stored.policy.interimReportMonths[risk] ?? 0) months",
                    stored.changedBy ?? "-", stored.changedAt.formatted(.iso8601), stored.reason
                )
            }
        }
        print(table.render())
    }
}
