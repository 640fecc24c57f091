import Foundation
import RRFWorkflow
import Testing

@Suite struct IdentifierTests {
    @Test func codableAsPlainUUID() throws {
        let id = ProposalID(UUID())
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == "[\"\(id.uuid.uuidString)\"]")
        #expect(try JSONDecoder().decode([ProposalID].self, from: data) == [id])
        #expect(ProposalID(id.description) == id)
        #expect(ProposalID("not a uuid") == nil)
    }
}

@Suite struct ProposalReferenceTests {
    @Test(arguments: [("RRF-2026-0042", 42), ("RRF-2026-10000", 10_000), ("SSHF2-2027-0001", 1), ("R-2000-999999999", 999_999_999)])
    func parsesAndFormats(text: String, sequence: Int) throws {
        let reference = try ProposalReference(parsing: text)
        #expect(reference.sequence == sequence)
        #expect(reference.description == text)
    }

    @Test(arguments: ["", "RRF-2026-042", "RRF-2026-00042", "rrf-2026-0042", "RRF-26-0042", "RRF-2026-0000", "RRF2026-0042",
                      "RRF-2026-0042-1", "2RF-2026-0042", "RRF-2026-+042", "R-F-2026-0042",
                      "RRF-1999-0042", "RRF-02026-0042", "RRF-2026-1000000000", "RRF-2026-", "-2026-0042", "ABCDEFGHIJKLM-2026-0042",
                      "RRF-2026-٠٠٤٢", "RRF-2026-0042 ", "RRF-2026-00042", "RRF--2026-0042"])
    func refusesInvalidText(text: String) {
        #expect(rejectionCode { try ProposalReference(parsing: text) } == "reference_invalid")
    }

    @Test func formatsAndOrdersBySequence() throws {
        let early = try ProposalReference(year: 2026, sequence: 9999)
        let late = try ProposalReference(year: 2026, sequence: 10_000)
        #expect(early.description == "RRF-2026-9999")
        #expect(early < late)
        #expect(try ProposalReference(year: 2026, sequence: 7).description == "RRF-2026-0007")
    }

    @Test func codable() throws {
        let reference = try ProposalReference(year: 2026, sequence: 42)
        let data = try JSONEncoder().encode([reference])
        #expect(try JSONDecoder().decode([ProposalReference].self, from: data) == [reference])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ProposalReference].self, from: Data("[\"x\"]".utf8)) }
    }
}

@Suite struct ActorTests {
    @Test func roleRawValues() {
        #expect(Role.allCases.map(\.rawValue) == ["admin", "secretariat", "reviewer", "fund_manager", "finance_officer", "trainer", "ngo_user"])
    }

    @Test func requireExplainsWhoMay() throws {
        let officer = actor("Ana", [.financeOfficer])
        do {
            try officer.require(.fundManager, to: "approve a proposal")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.code == "role_required")
            #expect(error.message == "Only a fund manager can approve a proposal.")
        }
        do {
            try officer.require(.secretariat, .admin, .fundManager, to: "open a call")
        } catch {
            #expect(error.message == "Only the secretariat, an administrator or a fund manager can open a call.")
        }
        try officer.require(.fundManager, .financeOfficer, to: "see the ledger")
    }

    @Test func ngoUserIsBoundToOneOrganisation() {
        let first = OrganisationID(UUID())
        let second = OrganisationID(UUID())
        #expect(rejectionCode { try Actor(userID: UserID(UUID()), displayName: "N", roles: [.ngoUser]) } == "ngo_user_needs_one_organisation")
        #expect(rejectionCode { try Actor(userID: UserID(UUID()), displayName: "N", roles: [.ngoUser], organisationIDs: [first, second]) }
            == "ngo_user_needs_one_organisation")
        #expect(rejectionCode { try Actor(userID: UserID(UUID()), displayName: "R", roles: [.reviewer], organisationIDs: [first, second]) } == nil)
    }

    @Test func independence() {
        let organisation = OrganisationID(UUID())
        let manager = actor("M", [.fundManager], organisations: [organisation])
        #expect(rejectionCode { try manager.requireIndependence(from: organisation, to: "decide") } == "conflict_of_interest")
        #expect(rejectionCode { try manager.requireIndependence(from: OrganisationID(UUID()), to: "decide") } == nil)
    }

    @Test func codableKeepsTheRules() throws {
        let user = actor("N", [.ngoUser], organisations: [OrganisationID(UUID())])
        let data = try JSONEncoder().encode(user)
        #expect(try JSONDecoder().decode(Actor.self, from: data) == user)
    }
}
