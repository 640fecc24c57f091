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
