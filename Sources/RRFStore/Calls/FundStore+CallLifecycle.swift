import Foundation
import Postgres
import RRFWorkflow

// The rest of a call's lifecycle beside creation, opening and closing (FundStore+Calls.swift): editing and
// deleting a draft, marking a closed call decided, archiving it.

extension FundStore {
    /// Changes fields of a draft call (secretariat), checked as the opening checks them; audited `call.edited`.
    public func editCall(_ code: String, _ changes: CallChanges, expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try callCommand("call.edit", code, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            var configuration = try changes.applied(to: loaded.configuration, of: loaded.code)
            configuration.title = try Validate.text(configuration.title, field: "call title", maximum: 300)
            let action = try machine.configure(configuration, at: context.now, calendar: calendar, by: context.actor)
            try Funding.changeEnvelopes(
                to: configuration.envelopes, currency: configuration.currency, funded: try fundedEnvelopes(loaded, on: context.connection), call: loaded.code
            )
            return (action, "call.edited")
        }
    }

    /// Deletes a draft call with its envelopes and training requirements (secretariat); audited `call.deleted`
    /// with the call as it was. Refused once a committee, donor funding or anything else refers to it.
    public func deleteCall(_ code: String, expectedVersion: Int? = nil, as login: String) throws {
        try command("call.delete", as: login) { context in
            let loaded = try loadCallForUpdate(code, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The call \(loaded.code)")
            let machine = try loaded.machine
            let action = try machine.delete(by: context.actor)
            try CallExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }

    /// Marks a closed call decided once none of its proposals awaits a decision (fund manager); audited `call.decided`.
    public func markCallDecided(_ code: String, expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try callCommand("call.decide", code, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let proposals = try context.connection.query(
                ProposalRecord.select + " WHERE p.call_id = $1 ORDER BY p.reference FOR SHARE OF p", [loaded.id]
            ).rows.map { try ProposalRecord(row: $0) }
            let states = Dictionary(uniqueKeysWithValues: try proposals.map { ($0.reference, try $0.machine.state) })
            return (try machine.markDecided(proposals: states, by: context.actor), "call.decided")
        }
    }

    /// Archives a decided call (secretariat or administrator); audited `call.archived`.
    public func archiveCall(_ code: String, expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try callCommand("call.archive", code, expectedVersion: expectedVersion, as: login) { machine, _, context in
            (try machine.archive(by: context.actor), "call.archived")
        }
    }

    /// Why a draft call cannot be deleted, from the foreign key that refers to it.
    static func callInUseSentence(_ code: String, constraint: String?) -> String {
        let reason = switch constraint {
        case "committees_call_id_fkey": "a peer review committee is set up for it"
        case "ledger_accounts_call_id_fkey": "donor funding has been recorded in its envelopes"
        default: "other records refer to it"
        }
        return "The call \(code) cannot be deleted: \(reason). Edit it with `rrfctl call edit` instead."
    }
}
