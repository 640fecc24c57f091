import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's reads of the fund: calls and their ranking, organisations, the ledger and the KPIs. Each answers
// what the store lets the token's person see.

extension Portal {
    /// `GET /calls?state=`: calls, latest submission deadline first.
    func apiCalls(_ call: APIRequest) async throws -> Response {
        let state = try call.query("state")
        return try await listPage(call, as: APICall.init) { store, page in try store.calls(state: state, limit: page.probe, offset: page.offset) }
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
        return try await listPage(call, as: APIOrganisation.init) { store, page in try store.organisations(state: state, limit: page.probe, offset: page.offset) }
    }

    /// `GET /organisations/{code}`.
    func apiOrganisation(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code")
        return try await respond(call, as: APIOrganisation.init) { try $0.organisation(code) }
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
