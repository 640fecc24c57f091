import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Validates IATI XML against the official 2.03 schema with xmllint.
enum IATISchema {
    /// `$IATI_SCHEMA_DIR`, else `../shared/iati-2.03` beside the checkout; nil when neither exists.
    static var directory: URL? {
        if let explicit = ProcessInfo.processInfo.environment["IATI_SCHEMA_DIR"], !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit)
            return FileManager.default.fileExists(atPath: url.appendingPathComponent("iati-activities-schema.xsd").path) ? url : nil
        }
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shared = checkout.deletingLastPathComponent().appendingPathComponent("shared/iati-2.03")
        return FileManager.default.fileExists(atPath: shared.appendingPathComponent("iati-activities-schema.xsd").path) ? shared : nil
    }

    static var xmllint: String? {
        ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/opt/homebrew/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// nil when valid, otherwise xmllint's complaint; throws when validation cannot run.
    static func problems(in xml: String) throws -> String? {
        guard let directory, let xmllint else { throw Skipped() }
        return try withScratchFolder { folder in
            let file = folder.appendingPathComponent("iati.xml")
            try Data(xml.utf8).write(to: file)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: xmllint)
            process.arguments = ["--noout", "--schema", directory.appendingPathComponent("iati-activities-schema.xsd").path, file.path]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let output = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return process.terminationStatus == 0 ? nil : String(decoding: output, as: UTF8.self)
        }
    }

    struct Skipped: Error, CustomStringConvertible {
        var description: String {
            "SKIPPED: IATI schema validation needs the IATI 2.03 schemas (IATI_SCHEMA_DIR or ../shared/iati-2.03) and xmllint (apt-get install libxml2-utils)."
        }
    }

    static var available: Bool { directory != nil && xmllint != nil }
}

@Suite struct IATIXMLTests {
    static let usd = try! Currency(code: "USD")

    static func sample() throws -> IATIActivity {
        let fund = IATIOrganisation(ref: "XM-OCHA-RRF", type: "40", name: "Rapid Response Fund <East Africa> & partners")
        return IATIActivity(
            identifier: "XM-OCHA-RRF-RRF-2026-0001", reportingOrg: fund, title: "Cholera treatment units in \"flooded\" villages",
            description: "Water treatment, case management & hygiene promotion.",
            funders: [IATIOrganisation(ref: "XM-DAC-8-1", type: "10", name: "Nordic Humanitarian Donor Consortium")],
            extending: fund, implementing: IATIOrganisation(ref: "KE-NGO-HOPE", type: "22", name: "Hope for Turkana Initiative"),
            status: .implementation, start: try LocalDate(year: 2026, month: 10, day: 26), plannedEnd: try LocalDate(year: 2027, month: 4, day: 26),
            recipientCountry: "KE", sectors: [.init(cluster: .health, percentage: 70), .init(cluster: .wash, percentage: 30)], currency: usd,
            transactions: [
                .init(type: .commitment, date: try LocalDate(year: 2026, month: 10, day: 26), value: Money(minorUnits: 12_000_000, currency: usd), description: "Agreement signed"),
                .init(type: .disbursement, date: try LocalDate(year: 2026, month: 10, day: 28), value: Money(minorUnits: 8_400_000, currency: usd)),
                .init(type: .expenditure, date: try LocalDate(year: 2026, month: 11, day: 20), value: Money(minorUnits: 6_000_050, currency: usd)),
            ],
            lastUpdated: Date(timeIntervalSince1970: 1_790_000_000)
        )
    }

    @Test func theDocumentHasTheFundsFacts() throws {
        let xml = IATIXML.document([try Self.sample()], generated: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(xml.contains("<iati-activities version=\"2.03\""))
        #expect(xml.contains("humanitarian=\"1\""))
        #expect(xml.contains("role=\"1\"") && xml.contains("role=\"3\"") && xml.contains("role=\"4\""))
        #expect(xml.contains("<sector vocabulary=\"10\" code=\"HEA\" percentage=\"70\">"))
        #expect(xml.contains("<value currency=\"USD\" value-date=\"2026-11-20\">60000.50</value>"))
        #expect(xml.contains("Rapid Response Fund &lt;East Africa&gt; &amp; partners"))
        #expect(xml.contains("Cholera treatment units in &quot;flooded&quot; villages"))
    }

    @Test(.enabled(if: IATISchema.available, "SKIPPED: no IATI 2.03 schema (IATI_SCHEMA_DIR or ../shared/iati-2.03) or no xmllint"))
    func theDocumentValidatesAgainstTheOfficialSchema() throws {
        let xml = IATIXML.document([try Self.sample()], generated: Date())
        #expect(try IATISchema.problems(in: xml) == nil)
        // And the validation really validates: a missing activity-status is refused.
        let broken = xml.replacingOccurrences(of: "<activity-status code=\"2\"/>", with: "")
        #expect(try IATISchema.problems(in: broken) != nil)
    }
}

/// The IATI export of the demo fund (seeded by the built `rrfctl demo` into a test database).
@Suite struct DemoIATITests {
    static var rrfctl: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rrfctl")
    }

    @Test(.enabled(if: IATISchema.available, "SKIPPED: no IATI 2.03 schema (IATI_SCHEMA_DIR or ../shared/iati-2.03) or no xmllint"))
    func theDemoFundsIATIExportValidatesAndMatchesTheLedger() throws {
        try withTestDatabase { db in
            let process = Process()
            process.executableURL = Self.rrfctl
            var environment = ProcessInfo.processInfo.environment
            environment["RRF_SQL_DIR"] = TestServer.schemaDirectory.path
            for key in ["DATABASE_URL", "PGHOST", "PGDATABASE", "PGSERVICE"] { environment[key] = nil }
            process.environment = environment
            // libpq reads connection keywords from the URI's query: dbname there names the test database.
            let server = db.configuration.connectionString ?? ""
            let url = server + (server.contains("?") ? "&" : "?") + "dbname=\(db.configuration.database ?? db.name)"
            process.arguments = ["demo", "--database-url", url, "--i-understand-this-writes-demo-data", "--json"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let store = FundStore(pool: db.pool())
            let activities = try store.iatiActivities(reportingOrg: IATIOrganisation(ref: "XM-RRF", type: "40", name: "Rapid Response Fund"))
            #expect(!activities.isEmpty)
            let xml = IATIXML.document(activities, generated: Date())
            #expect(try IATISchema.problems(in: xml) == nil)
            // Disbursements are the released tranches less the refunds, and at least one grant reports expenditure.
            let connection = try db.connect()
            defer { connection.close() }
            let released = try connection.query("SELECT coalesce(sum(amount_minor), 0)::bigint AS n FROM tranches WHERE state = 'released'").single().decode("n", as: Int64.self)
            let refunded = try connection.query("SELECT coalesce(sum(refund_minor), 0)::bigint AS n FROM grants").single().decode("n", as: Int64.self)
            #expect(refunded > 0, "the demo closes grants with refunds")
            let disbursed = activities.flatMap(\.transactions).filter { $0.type == .disbursement }.reduce(Int64(0)) { $0 + $1.value.minorUnits }
            #expect(disbursed == released - refunded)
            for activity in activities {
                func total(_ type: IATIActivity.TransactionType) -> Int64 {
                    activity.transactions.filter { $0.type == type }.reduce(0) { $0 + $1.value.minorUnits }
                }
                #expect(total(.expenditure) <= total(.disbursement), "\(activity.identifier) spends more than it received")
                #expect(total(.disbursement) <= total(.commitment), "\(activity.identifier) disburses more than it committed")
                #expect((activity.status == .closed || activity.status == .cancelled) == (activity.actualEnd != nil), "\(activity.identifier)")
                if activity.status == .closed { #expect(total(.disbursement) == total(.expenditure), "a closed grant refunded what it did not spend") }
            }
            #expect(activities.flatMap(\.transactions).contains { $0.type == .expenditure })
            #expect(activities.allSatisfy { $0.sectors.reduce(0) { $0 + $1.percentage } == 100 })
            #expect(activities.allSatisfy { !$0.funders.isEmpty })
        }
    }
}
