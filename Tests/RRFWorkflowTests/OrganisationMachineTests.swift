import RRFWorkflow
import Testing

@Suite struct OrganisationMachineTests {
    @Test func transitionTableCoversEveryStateAndEvent() {
        let expected = table([
            ("registered", "assess", "assessed"), ("assessed", "assess", "reassessed"), ("reassessed", "assess", "reassessed"),
            ("ineligible", "assess", "reassessed"),
            ("registered", "declare_ineligible", "ineligible"), ("assessed", "declare_ineligible", "ineligible"),
            ("reassessed", "declare_ineligible", "ineligible"), ("suspended", "declare_ineligible", "ineligible"),
            ("assessed", "suspend", "suspended"), ("reassessed", "suspend", "suspended"),
            ("suspended", "reinstate", "assessed"),
        ])
        #expect(verifyTable(OrganisationMachine.self, expected: expected) == [])
        #expect(OrganisationMachine.stateNames == ["registered", "assessed", "reassessed", "ineligible", "suspended"])
    }

    @Test func assessmentRules() throws {
        var machine = OrganisationMachine(state: .registered)
        #expect(rejectionCode { try machine.assess(risk: .low, dueDiligenceExpiry: day("2027-01-01"), on: Fixture.today, by: Fixture.manager) } == "role_required")
        #expect(rejectionCode { try machine.assess(risk: .low, dueDiligenceExpiry: Fixture.today, on: Fixture.today, by: Fixture.secretariat) }
            == "due_diligence_expiry_invalid")
        let action = try machine.assess(risk: .high, dueDiligenceExpiry: day("2027-11-23"), on: Fixture.today, by: Fixture.secretariat)
        #expect(action == .recordAssessment(Assessment(risk: .high, assessedOn: Fixture.today, dueDiligenceExpiry: day("2027-11-23"))))
        #expect(machine.assessment?.risk == .high)
    }

    @Test func ineligibleUntilDate() throws {
        var machine = OrganisationMachine(state: .assessed(Fixture.assessment))
        #expect(rejectionCode { try machine.declareIneligible(until: day("2027-01-01"), reason: " ", on: Fixture.today, by: Fixture.secretariat) } == "reason_required")
        #expect(rejectionCode { try machine.declareIneligible(until: day("2026-11-22"), reason: "Fraud", on: Fixture.today, by: Fixture.secretariat) }
            == "ineligible_until_invalid")
        _ = try machine.declareIneligible(until: day("2027-01-01"), reason: "Fraud", on: Fixture.today, by: Fixture.secretariat)
        #expect(machine.state == .ineligible(until: day("2027-01-01"), reason: "Fraud"))
        #expect(machine.assessment == nil)
        #expect(rejectionCode { try machine.assess(risk: .low, dueDiligenceExpiry: day("2028-01-01"), on: day("2027-01-01"), by: Fixture.secretariat) }
            == "organisation_still_ineligible")
        _ = try machine.assess(risk: .low, dueDiligenceExpiry: day("2028-01-01"), on: day("2027-01-02"), by: Fixture.secretariat)
        #expect(machine.state.name == .reassessed)
    }

    @Test func suspensionKeepsTheAssessment() throws {
        var machine = OrganisationMachine(state: .reassessed(Fixture.assessment))
        #expect(rejectionCode { try machine.suspend(reason: "", by: Fixture.secretariat) } == "reason_required")
        #expect(rejectionCode { try machine.suspend(reason: "Audit", by: Fixture.partner) } == "role_required")
        #expect(try machine.suspend(reason: "Audit", by: Fixture.manager) == .recordSuspension(reason: "Audit"))
        #expect(machine.assessment == Fixture.assessment)
        #expect(rejectionCode { try machine.reinstate(by: Fixture.partner) } == "role_required")
        #expect(try machine.reinstate(by: Fixture.secretariat) == .recordReinstatement(Fixture.assessment))
        #expect(machine.state == .assessed(Fixture.assessment))
    }

    @Test(arguments: [
        (OrganisationMachine.State.registered, "organisation_not_assessed" as String?),
        (.assessed(Fixture.assessment), nil),
        (.reassessed(Fixture.assessment), nil),
        (.ineligible(until: day("2027-01-01"), reason: "Fraud"), "organisation_ineligible"),
        (.suspended(Fixture.assessment, reason: "Audit"), "organisation_suspended"),
    ])
    func eligibility(state: OrganisationMachine.State, code: String?) {
        let machine = OrganisationMachine(state: state)
        #expect(rejectionCode { try machine.requireEligibleToSubmit(on: Fixture.today) } == code)
        #expect(machine.canSubmit(on: Fixture.today) == (code == nil))
    }

    @Test func dueDiligenceValidThroughExpiryDay() {
        let machine = OrganisationMachine(state: .assessed(Fixture.assessment))
        #expect(machine.canSubmit(on: day("2027-01-10")))
        #expect(rejectionCode { try machine.requireEligibleToSubmit(on: day("2027-01-11")) } == "due_diligence_expired")
    }
}
