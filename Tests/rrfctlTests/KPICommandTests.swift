import Foundation
import Postgres
import RRFTestSupport
import Testing

/// Issue 19: `rrfctl report kpis --recompute` checks the stored figures against the full computation.
@Suite(.serialized) struct KPICommandTests {
    @Test func recomputeAgreesOnTheDemoFundAndNamesAStoredSpanChangedBehindItsBack() throws {
        try withDemoFund { db in
            let cli = CLI(db)
            let agreed = try cli.run("report", "kpis", "--recompute", as: "daniel")
            #expect(agreed.status == 0, "\(agreed.stderr)")
            #expect(agreed.stdout.contains("The stored figures agree with the full computation."))
            let connection = try db.connect()
            defer { connection.close() }
            try connection.execute("UPDATE kpi_spans SET business_seconds = business_seconds + 36000 WHERE measure = 'decision'")
            let broken = try cli.run("report", "kpis", "--recompute", as: "daniel")
            #expect(broken.status == 3)
            #expect(broken.stderr.contains("The stored KPI figures differ from the full computation: timeToDecision.all."), "\(broken.stderr)")
            let plain = try cli.run("report", "kpis", as: "daniel")
            #expect(plain.status == 0)
        }
    }
}
