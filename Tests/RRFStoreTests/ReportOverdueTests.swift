import Foundation
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct ReportOverdueTests {
    /// The organisation's NGO users and the secretariat hear once about a report past its due date: a due one the
    /// day after its due date (not on it), a submitted one not at all, a returned one once it is returned; the
    /// users of another organisation never.
    @Test func overdueReportsAreNotifiedOncePerReportToTheOrganisationAndTheSecretariat() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            _ = try store.addUser(login: "beta", displayName: "Bea Beta", email: "bea@ngo-beta.example", roles: [.ngoUser], organisations: ["NGO-BETA"], as: "admin")
            let late = try store.signGrant(try fund.approvedProposal().reference, signatory: "Amina Yusuf, Director", as: "fm")
            let onTime = try fund.grantWithReleasedFirstTranche()
            let dueDate = try #require(try store.reports(late.reference).first?.dueDate)
            let daysToDue = fund.today.days(until: dueDate)

            let onTheDueDate = fund.later(days: daysToDue)
            #expect(try onTheDueDate.markReportsDue(as: "sec").map(\.grant) == [late.reference, onTime.reference])
            #expect(try onTheDueDate.notifyOverdueReports().isEmpty)
            _ = try store.submitReport(onTime.reference, sequence: 1, narrative: "Wells dug.", spending: [SpendingLine(line: "Everything", amount: "3000.00 USD")], as: "ngo")

            let dayAfter = fund.later(days: daysToDue + 1)
            let first = try dayAfter.notifyOverdueReports()
            #expect(first.map(\.grant) == [late.reference])
            #expect(first.map(\.sequence) == [1])
            #expect(first.first?.overdue == true)
            #expect(try dayAfter.notifyOverdueReports().isEmpty)

            // Returned after its due date: late again, told once.
            _ = try store.returnReport(onTime.reference, sequence: 1, comment: "Add the receipts.", as: "sec")
            #expect(try dayAfter.notifyOverdueReports().map(\.grant) == [onTime.reference])
            #expect(try dayAfter.notifyOverdueReports().isEmpty)

            func messages(to recipient: String) throws -> Int {
                try fund.count("SELECT count(*) FROM notifications WHERE recipient = $1 AND subject LIKE $2", [recipient, "%report.overdue%"])
            }
            #expect(try messages(to: "nadia@ngo-alpha.example") == 2)
            #expect(try messages(to: "sec@fund.example") == 2)
            #expect(try messages(to: "bea@ngo-beta.example") == 0)
            #expect(try fund.count("SELECT count(*) FROM audit_events WHERE event_type = $1 AND stream = $2", ["report.overdue", Streams.grant(late.reference)]) == 1)
            #expect(try fund.count("SELECT count(*) FROM notifications WHERE body LIKE $1", ["%was returned for changes and is not resubmitted%"]) == 2)
        }
    }

    /// Several reports of one grant found late in the same pass are one message each (the outbox keys differ).
    @Test func lateReportsOfOneGrantAreOneMessageEach() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let grant = try fund.store.signGrant(try fund.approvedProposal().reference, signatory: "Amina Yusuf, Director", as: "fm")
            let finalDue = try #require(try fund.store.reports(grant.reference).last?.dueDate)
            let later = fund.later(days: fund.today.days(until: finalDue) + 1)
            #expect(try later.markReportsDue(as: "sec").map(\.kind) == [.interim, .interim, .final])
            #expect(try later.notifyOverdueReports().map(\.sequence) == [1, 2, 3])
            #expect(try fund.count("SELECT count(*) FROM notifications WHERE recipient = $1 AND subject LIKE $2", ["nadia@ngo-alpha.example", "%report.overdue%"]) == 3)
        }
    }
}
