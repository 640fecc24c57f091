import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct CSVTests {
    @Test func plainFieldsStayAsTheyAre() {
        #expect(CSV.record(["RRF-2026-0001", "12500.50", "health"]) == "RRF-2026-0001,12500.50,health\r\n")
    }

    @Test func fieldsWithSeparatorsQuotesOrLineBreaksAreQuoted() {
        #expect(CSV.field("Water, sanitation") == "\"Water, sanitation\"")
        #expect(CSV.field("the \"best\" plan") == "\"the \"\"best\"\" plan\"")
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.field("cr\r") == "\"cr\r\"")
        #expect(CSV.field(" padded") == "\" padded\"")
    }

    @Test func formulasAreNeutralised() {
        #expect(CSV.field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(CSV.field("+1") == "'+1")
        #expect(CSV.field("-2+3") == "'-2+3")
        #expect(CSV.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSV.field("\tcmd") == "'\tcmd")
        #expect(CSV.field("a=b") == "a=b")
        #expect(CSV.field("") == "")
    }
}

@Suite struct TableExportTests {
    /// Exports `aggregate` from the store into CSV text.
    static func csv(_ store: FundStore, _ aggregate: ExportAggregate, pageSize: Int = 500) throws -> (String, [(Int, Int)]) {
        var text = ""
        var progress: [(Int, Int)] = []
        try store.export(aggregate, pageSize: pageSize, header: { text += CSV.record($0) }, record: { text += CSV.record($0) },
                         progress: { progress.append(($0, $1)) })
        return (text, progress)
    }

    @Test func everyAggregateExportsAHeaderAndItsRows() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            _ = try fund.store.submitProposal(Fund.submission(title: "=cmd|' /C calc'!A0, \"quoted\""), as: "ngo")
            let (organisations, progress) = try Self.csv(fund.store, .organisations, pageSize: 1)
            #expect(organisations.hasPrefix("code,name,country,state,risk,assessed_on,due_diligence_expires,ineligible_until\r\n"))
            #expect(organisations.contains("NGO-ALPHA,Alpha Relief,KE,assessed,medium,"))
            #expect(progress.map(\.0) == [1, 2])
            #expect(progress.allSatisfy { $0.1 == 2 })
            let (calls, _) = try Self.csv(fund.store, .calls)
            #expect(calls.contains("SA-1,Standard allocation 2026,standard,USD,50000.00,"))
            #expect(calls.contains(",10 business_days,open\r\n"))
            let (envelopes, _) = try Self.csv(fund.store, .envelopes)
            #expect(envelopes == "call,cluster,currency,amount,committed,uncommitted\r\nSA-1,health,USD,100000.00,0.00,100000.00\r\nSA-1,wash,USD,50000.00,0.00,50000.00\r\n")
            let (proposals, _) = try Self.csv(fund.store, .proposals)
            let lines = proposals.components(separatedBy: "\r\n")
            #expect(lines.count == 3)
            #expect(lines[1].contains(",NGO-ALPHA,SA-1,health,\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\",Garissa; Dadaab,12000,USD,12500.50,,submitted,1,"))
        }
    }

    @Test func grantsAndTranchesExportWithExactAmounts() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let proposal = try fund.approvedProposal(requested: "12500.50 USD")
            let grant = try fund.store.signGrant(proposal.reference, signatory: "Amina Yusuf, Director", as: "fm")
            let (grants, _) = try Self.csv(fund.store, .grants)
            let grantLines = grants.components(separatedBy: "\r\n")
            #expect(grantLines[0] == "reference,organisation,call,cluster,currency,amount,risk,start_date,end_date,state,signed_on,signatory,refund")
            #expect(grantLines[1].hasPrefix("\(grant.reference),NGO-ALPHA,SA-1,health,USD,12500.50,medium,"))
            #expect(grantLines[1].contains(",active,") && grantLines[1].contains(",\"Amina Yusuf, Director\","))
            let (tranches, _) = try Self.csv(fund.store, .tranches)
            let trancheLines = tranches.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(trancheLines.count == 4)
            #expect(trancheLines[1] == "\(grant.reference),1,USD,6250.25,planned,,,,")
            #expect(trancheLines[3] == "\(grant.reference),3,USD,2500.10,planned,,,,")
        }
    }

    @Test func reportsExportWithTheOverdueFlagAndWhoSubmittedAndReviewed() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let grant = try fund.grantWithReleasedFirstTranche(requested: "12500.50 USD")
            let reports = try fund.store.reports(grant.reference)
            try #require(reports.map(\.kind) == [.interim, .interim, .final])
            let (interim, second, final) = (reports[0], reports[1], reports[2])
            // The interim report, after its period: due, submitted, returned, resubmitted, accepted with a comment.
            let reviewedAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 100 * 86_400).rounded(.down))
            let later = FundStore(pool: db.pool(maximumConnections: 1), clock: { reviewedAt })
            _ = try later.markReportsDue(as: "sec")
            let spending = [SpendingLine(line: "Everything", amount: "4000.50 USD")]
            _ = try later.submitReport(grant.reference, sequence: 1, narrative: "Wells dug.", spending: spending, as: "ngo")
            _ = try later.returnReport(grant.reference, sequence: 1, comment: "Add the receipts.", as: "sec")
            _ = try later.submitReport(grant.reference, sequence: 1, narrative: "Wells dug; receipts attached.", spending: spending, as: "ngo")
            _ = try later.acceptReport(grant.reference, sequence: 1, comment: "Thanks, receipts received.", as: "sec")
            let stamp = ISO8601DateFormatter().string(from: reviewedAt)
            let header = "grant,sequence,kind,period_start,period_end,due_date,state,overdue,currency,spent,submitted_by,submitted_at,reviewed_by,reviewed_at,comment\r\n"
            func row(_ report: ReportRecord, _ rest: String) -> String {
                "\(grant.reference),\(report.sequence),\(report.kind.rawValue),\(report.periodStart),\(report.periodEnd),\(report.dueDate),\(rest)\r\n"
            }
            let accepted = row(interim, "accepted,no,USD,4000.50,ngo,\(stamp),sec,\(stamp),\"Thanks, receipts received.\"")
            let (now, progress) = try Self.csv(fund.store, .reports, pageSize: 1)
            #expect(now == header + accepted + row(second, "scheduled,no,USD,,,,,,") + row(final, "scheduled,no,USD,,,,,,"))
            #expect(progress.map(\.0) == [1, 2, 3])
            // Past their due dates the reports never made due are overdue.
            let (overdue, _) = try Self.csv(fund.later(days: fund.today.days(until: final.dueDate) + 1), .reports)
            #expect(overdue == header + accepted + row(second, "scheduled,yes,USD,,,,,,") + row(final, "scheduled,yes,USD,,,,,,"))
        }
    }

    @Test func trainingExportsCoursesSessionsAttendanceAndCertificates() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let day = fund.today.adding(days: -2)
            try closedSession(fund, on: day, [
                ParticipantInput(name: "Amina Yusuf", organisation: "NGO-ALPHA", role: "Finance officer", gender: "female", passed: true, score: 88.5),
                ParticipantInput(name: "Brian Otieno", organisation: "NGO-ALPHA", gender: "male", score: 40),
                ParticipantInput(name: "Chloe Ndege", organisation: "NGO-BETA", gender: "female", attended: false),
            ])
            try closedSession(fund, on: day.adding(days: 1), [ParticipantInput(name: "Dan Mwangi", organisation: "NGO-BETA", passed: true)])
            let cancelled = try fund.store.scheduleTrainingSession(
                course: "PSEA", startDate: fund.today.adding(days: 7), endDate: fund.today.adding(days: 8), place: "Garissa", trainer: "trainer",
                capacity: 12, as: "sec"
            )
            _ = try fund.store.cancelTrainingSession(cancelled.reference, reason: "Road closed, insecurity", as: "sec")
            let revokedAt = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let revoking = FundStore(pool: db.pool(maximumConnections: 1), clock: { revokedAt })
            _ = try revoking.revokeCertificate("TC-2", reason: "Signed in for someone else", as: "sec")

            let (courses, _) = try Self.csv(fund.store, .courses)
            #expect(courses == "code,title,validity_months,description\r\nPSEA,Protection from sexual exploitation and abuse,24,IASC core principles.\r\n")
            let (sessions, _) = try Self.csv(fund.store, .sessions)
            #expect(sessions == """
                session,course,start_date,end_date,place,trainer,capacity,state,participants,attended,passed,cancel_reason\r
                TS-1,PSEA,\(day),\(day),Nairobi,trainer,30,closed,3,2,1,\r
                TS-2,PSEA,\(day.adding(days: 1)),\(day.adding(days: 1)),Nairobi,trainer,30,closed,1,1,1,\r
                TS-3,PSEA,\(fund.today.adding(days: 7)),\(fund.today.adding(days: 8)),Garissa,trainer,12,cancelled,0,0,0,"Road closed, insecurity"\r

                """)
            let (attendance, progress) = try Self.csv(fund.store, .attendance, pageSize: 2)
            #expect(attendance == """
                session,course,name,organisation,role,gender,attended,passed,score\r
                TS-1,PSEA,Amina Yusuf,NGO-ALPHA,Finance officer,female,yes,yes,88.50\r
                TS-1,PSEA,Brian Otieno,NGO-ALPHA,,male,yes,no,40.00\r
                TS-1,PSEA,Chloe Ndege,NGO-BETA,,female,no,no,\r
                TS-2,PSEA,Dan Mwangi,NGO-BETA,,,yes,yes,\r

                """)
            #expect(progress.map(\.0) == [2, 4])
            let (certificates, _) = try Self.csv(fund.store, .certificates)
            let validThrough = { (issued: LocalDate) in issued.adding(months: 24).adding(days: -1) }
            #expect(certificates == """
                certificate,holder,organisation,gender,course,session,issued_on,valid_through,status,revoked_at,revocation_reason\r
                TC-1,Amina Yusuf,NGO-ALPHA,female,PSEA,TS-1,\(day),\(validThrough(day)),valid,,\r
                TC-2,Dan Mwangi,NGO-BETA,,PSEA,TS-2,\(day.adding(days: 1)),\(validThrough(day.adding(days: 1))),revoked,\(ISO8601DateFormatter().string(from: revokedAt)),Signed in for someone else\r

                """)
        }
    }

    @Test func hxlHasTheHashtagRowAndOneRowPerScreenedProposal() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let kept = try fund.store.submitProposal(Fund.submission(), as: "ngo")
            let failed = try fund.store.submitProposal(Fund.submission(title: "Out of scope"), as: "ngo")
            _ = try fund.store.screenProposal(failed.reference, passed: false, reason: "Outside the call's areas.", as: "sec")
            var lines: [String] = []
            try fund.store.exportHXL(funder: "Test Fund", header: { lines.append(CSV.record($0)) }, record: { lines.append(CSV.record($0)) })
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix("#org +funder,#org +impl,"))
            for tag in ["#sector +cluster", "#activity", "#value", "#currency", "#date +start", "#status", "#adm1"] {
                #expect(lines[1].contains(tag))
            }
            #expect(lines[2].hasPrefix("Test Fund,Alpha Relief,NGO-ALPHA,Health,HEA,\(kept.reference),Cholera response in Garissa,KE,Garissa; Dadaab,12500.50,,USD,"))
            #expect(lines[2].hasSuffix(",submitted\r\n"))
        }
    }
}
