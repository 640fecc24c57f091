import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The API's reads of the fund (calls and their ranking, organisations, the ledger and the KPIs, each as the
// store lets the token's person see it) and donor deposits, which move money and so carry an Idempotency-Key.

extension Portal {
    /// `GET /calls?state=`: calls, latest submission deadline first.
    func apiCalls(_ call: APIRequest) async throws -> Response {
        let state = try call.query("state")
        return try await listPage(call, as: APICall.init) { store, page in try store.calls(state: state, limit: page.limit, after: page.after) }
    }

    /// `GET /calls/{code}`.
    func apiCall(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code")
        return try await respond(call, as: APICall.init) { try $0.call(code) }
    }

    /// `GET /calls/{code}/ranking?cluster=`: the secretariat's and fund managers' ranking against the envelopes.
    func apiRanking(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code"), cluster = try call.cluster("cluster")
        return try await respond(call, as: APIRanking.init) { try $0.callRanking(code, cluster: cluster) }
    }

    /// `GET /organisations?state=`: the partner register.
    func apiOrganisations(_ call: APIRequest) async throws -> Response {
        let state = try call.query("state")
        return try await listPage(call, as: APIOrganisation.init) { store, page in try store.organisations(state: state, limit: page.limit, after: page.after) }
    }

    /// `GET /organisations/{code}`.
    func apiOrganisation(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code")
        return try await respond(call, as: APIOrganisation.init) { try $0.organisation(code) }
    }

    /// Donor funding for one cluster of a call.
    struct DepositBody: Decodable {
        let cluster: String
        /// In the call's currency.
        let amount: APIMoneyInput
        /// The donor's code, e.g. `ECHO`.
        let donor: String
    }

    /// `POST /calls/{code}/deposits` (finance officer or fund manager; Idempotency-Key required): the same key and
    /// request deposit once and answer the first result; the envelope account's balance after the deposit.
    func apiDeposit(_ call: APIRequest) async throws -> Response {
        let key = try call.idempotencyKey()
        let body = try await call.body(DepositBody.self), amount = try body.amount.money(), cluster = try Cluster(code: body.cluster)
        let code = try call.parameter("code")
        return try await respond(call, as: APILedgerAccount.init) {
            try $0.deposit(call: code, cluster: cluster, amount: amount, donor: body.donor, idempotencyKey: key, as: "")
        }
    }

    /// `GET /ledger/balances`: every account of the ledger (finance staff).
    func apiLedgerBalances(_ call: APIRequest) async throws -> Response {
        try await respond(call, as: APILedgerBalances.init) { try $0.ledgerBalances() }
    }

    /// `GET /reports/kpis`: the fund's key performance indicators.
    func apiKPIs(_ call: APIRequest) async throws -> Response {
        try await respond(call, as: APIKPIs.init) { try $0.kpis() }
    }
}
