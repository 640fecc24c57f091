import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl fund`: donor funding and the fund's tranche policy.
struct FundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fund",
        abstract: "Record donor funding into a call's envelope; show and change the fund's tranche policy.",
        subcommands: [Deposit.self, PolicyCommand.self]
    )

    struct Deposit: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "deposit",
            abstract: "Deposit donor funding straight into a call's envelope for one cluster (finance officer or fund manager).",
            discussion: "Approvals commit money from the envelope's deposited funding; the amount is in the call's currency."
        )
        @Option(help: "The call's code.") var call: String
        @Option(help: "The cluster, e.g. health.") var cluster: String
        @Option(parsing: .unconditional, help: "The amount with its currency, e.g. \"100000.00 USD\".") var amount: String
        @Option(parsing: .unconditional, help: "The donor, e.g. ECHO.") var donor: String
        @Option(help: ArgumentHelp(
            "A key of your choice (1 to 200 characters) that makes the deposit safe to retry: the same deposit again with it records nothing.",
            valueName: "key"
        )) var idempotencyKey: String?
        @OptionGroup var options: ChangeOptions

        /// The envelope's new balance, with the amount deposited.
        func perform(_ store: FundStore, as login: String) throws -> Annotated<LedgerAccountBalance, Money> {
            let code = cluster
            let funded = try parsed { () throws(WorkflowRejection) in try Cluster(code: code) }
            let deposited = try money(amount, field: "--amount")
            return Annotated(value: try store.deposit(call: call, cluster: funded, amount: deposited, donor: donor, idempotencyKey: idempotencyKey, as: login), note: deposited)
        }

        func show(_ result: Annotated<LedgerAccountBalance, Money>) {
            print("Deposited \(result.note.grouped) from \(donor.uppercased()); \(result.value.code) now holds \(result.value.balance.grouped).")
        }
    }
}
