import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// Peer review committees: the secretariat forms one per call and cluster (or a standing one per cluster), names
// its chair and quorum, and adds members; each member shows their open assignments, the load auto-assignment balances.

extension Portal {
    func addCommitteeRoutes(to router: Router<WebContext>) {
        router.get("/committees") { request, _ in try await signedIn(request) { store, person in try await committees(request, store: store, person: person) } }
        router.post("/committees") { request, context in
            try await signedIn(request) { store, person in try await createCommittee(request, context: context, store: store, person: person) }
        }
        router.post("/committees/{code}/members") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in try await addMember(code, request: request, context: context, store: store, person: person) }
        }
    }

    /// What a refused committee form sent, to show again with the refusal.
    struct CommitteeFormEcho {
        var committee: String?
        var values: [String: String] = [:]
        var message: String
    }

    func committees(_ request: Request, store: FundStore, person: SignedInPerson, refused: CommitteeFormEcho? = nil) async throws -> Response {
        let (committees, calls, conflicts) = try await runner.run {
            (try store.committees(), try store.calls().filter { $0.state != "archived" }, try store.conflicts())
        }
        let sent = refused?.committee == nil ? refused?.values ?? [:] : [:]
        var values: [String: Any] = [
            "committees": committees.map { committee -> [String: Any] in
                var line: [String: Any] = [
                    "code": committee.code, "call": committee.call ?? "—", "cluster": committee.cluster.displayName,
                    "quorum": committee.quorum.map(String.init) ?? "—", "chair": committee.chair ?? "—",
                    "members": committee.members.map { member -> [String: Any] in
                        ["login": member.login, "name": member.displayName, "chair": member.isChair, "load": member.openAssignments,
                         "conflicts": conflicts.filter { $0.reviewer == member.login }.map(\.organisation).joined(separator: ", ")]
                    },
                ]
                if let refused, refused.committee == committee.code {
                    line["error"] = refused.message
                    line["member"] = refused.values["member"] ?? ""
                }
                return line
            },
            "noCommittees": committees.isEmpty,
            "calls": calls.map { ["code": $0.code, "title": $0.configuration.title, "selected": sent["call"] == $0.code] },
            "clusters": Cluster.allCases.map { ["value": $0.rawValue, "name": $0.displayName, "selected": sent["cluster"] == $0.rawValue] },
            "code": sent["code"] ?? "", "chair": sent["chair"] ?? "", "quorum": sent["quorum"] ?? "",
            "csrf": person.csrf,
        ]
        if let refused, refused.committee == nil { values["createError"] = refused.message }
        return pages.render("committees", values, request: request, person: person.page, status: refused == nil ? .ok : .badRequest)
    }

    /// The new committee's fields.
    struct CommitteeForm: Decodable {
        let csrf: String?
        let code: String?
        let call: String?
        let cluster: String?
        let chair: String?
        let quorum: String?
    }

    func createCommittee(_ request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: CommitteeForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let sent = ["code": form.code ?? "", "call": form.call ?? "", "cluster": form.cluster ?? "", "chair": form.chair ?? "", "quorum": form.quorum ?? ""]
        do {
            let cluster = try StoreError.refusing { () throws(WorkflowRejection) in try Cluster(code: form.cluster ?? "") }
            let quorum = try form.quorum?.nilIfEmpty.map { text throws(StoreError) in try StoreError.wholeNumber(text, field: "quorum", example: "3") }
            _ = try await runner.run {
                try store.createCommittee(code: form.code ?? "", call: form.call?.nilIfEmpty, cluster: cluster, chair: form.chair?.nilIfEmpty, quorum: quorum, as: "")
            }
            return redirect("/committees")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .notFound {
            return try await committees(request, store: store, person: person, refused: CommitteeFormEcho(values: sent, message: error.message))
        }
    }

    /// The new member's fields.
    struct MemberForm: Decodable {
        let csrf: String?
        let member: String?
        let chair: String?
    }

    func addMember(_ code: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: MemberForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let member = form.member ?? ""
        do {
            _ = try await runner.run { try store.addCommitteeMember(code, member: member, chair: form.chair == "yes", as: "") }
            return redirect("/committees")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .notFound {
            return try await committees(request, store: store, person: person, refused: CommitteeFormEcho(committee: code, values: ["member": member], message: error.message))
        }
    }
}
