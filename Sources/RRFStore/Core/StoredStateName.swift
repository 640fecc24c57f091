import Postgres
import RRFWorkflow

extension StateName {
    /// Bound to a `$n` placeholder as its stored name.
    public var postgresParameter: PostgresParameter { .text(rawValue) }

    /// The state name stored in `column` (default `state`) of `row`.
    /// - Throws: `inconsistent_row` naming `what` when the column holds no state of the machine.
    static func stored(in row: Row, column: String = "state", of what: @autoclosure () -> String) throws -> Self {
        let stored = try row.decode(column, as: String.self)
        guard let name = Self(rawValue: stored) else { throw StoreError.inconsistentRow(what(), state: stored) }
        return name
    }
}

extension CallMachine.State.Name: PostgresEncodable {}
extension ProposalMachine.State.Name: PostgresEncodable {}
extension ReviewMachine.State.Name: PostgresEncodable {}
extension OrganisationMachine.State.Name: PostgresEncodable {}
extension GrantMachine.State.Name: PostgresEncodable {}
extension TrancheMachine.State.Name: PostgresEncodable {}
extension ReportMachine.State.Name: PostgresEncodable {}
extension TrainingSessionMachine.State.Name: PostgresEncodable {}
