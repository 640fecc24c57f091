/// The rules of money entering and leaving a call's envelopes: donor deposits, commitments on approval, and
/// envelopes changed while they hold money.
public enum Funding {
    /// Checks a donor deposit into a call's envelope and returns the donor's name as recorded (upper case).
    /// - Throws: `donor_missing`/`donor_too_long`, `donor_invalid`, `amount_not_positive`, `currency_differs_from_call`,
    ///   `cluster_not_funded`.
    public static func deposit(
        donor: String, amount: Money, call: String, callCurrency: Currency, fundedClusters: Set<Cluster>, cluster: Cluster
    ) throws(WorkflowRejection) -> String {
        let donor = try Validate.text(donor, field: "donor", maximum: 100).uppercased()
        guard !donor.contains(":") else {
            throw WorkflowRejection(code: "donor_invalid", message: "A donor name cannot contain ':'.")
        }
        guard amount.isPositive else {
            throw WorkflowRejection(code: "amount_not_positive", message: "A deposit must be above zero.")
        }
        guard amount.currency == callCurrency else {
            throw WorkflowRejection(code: "currency_differs_from_call", message: "The call \(call) is in \(callCurrency.code); deposit in that currency.")
        }
        guard fundedClusters.contains(cluster) else {
            throw WorkflowRejection(code: "cluster_not_funded", message: "The call \(call) has no \(cluster.rawValue) envelope; choose one of its clusters.")
        }
        return donor
    }

    /// Checks that an envelope's donor funding (`available`) covers a commitment of `amount`.
    /// - Throws: `insufficient_funds`.
    public static func commit(_ amount: Money, available: Money, cluster: Cluster, call: String) throws(WorkflowRejection) {
        guard available.currency == amount.currency, available.minorUnits >= amount.minorUnits else {
            throw WorkflowRejection(
                code: "insufficient_funds",
                message: "The \(cluster.rawValue) envelope of \(call) holds \(available.grouped) of donor funding, less than \(amount.grouped); deposit funding first or approve less."
            )
        }
    }

    /// Checks a call's new envelopes against the donor funding its current ones hold (`funded`, per cluster, in
    /// the current currency): a funded envelope is neither removed nor moved to another currency (the envelopes'
    /// amounts themselves are checked by ``CallConfiguration/validate(at:calendar:)``).
    /// - Throws: `envelope_funded`, `call_currency_funded`.
    public static func changeEnvelopes(
        to envelopes: [Cluster: Money], currency: Currency, funded: [Cluster: Money], call: String
    ) throws(WorkflowRejection) {
        for (cluster, held) in funded.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where held.minorUnits != 0 {
            guard envelopes[cluster] != nil else {
                throw WorkflowRejection(
                    code: "envelope_funded",
                    message: "The \(cluster.displayName) envelope of \(call) holds \(held.grouped) of donor funding and cannot be removed; keep it in the envelopes."
                )
            }
            guard currency == held.currency else {
                throw WorkflowRejection(
                    code: "call_currency_funded",
                    message: "The \(cluster.displayName) envelope of \(call) holds \(held.grouped) of donor funding; keep the currency \(held.currency.code)."
                )
            }
        }
    }
}
