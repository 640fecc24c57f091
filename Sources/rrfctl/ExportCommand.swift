import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl export`: open data and spreadsheets from the fund's records.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the fund's records: CSV per aggregate, HXL-tagged CSV, IATI 2.03 activity XML.",
        discussion: """
            Exports write to standard output, or to --output. On a terminal they show their progress on standard \
            error; piped or redirected they stay quiet.
            """,
        subcommands: [CSVExport.self, HXLExportCommand.self, IATIExportCommand.self]
    )

    struct CSVExport: StoreExport {
        static let configuration = CommandConfiguration(
            commandName: "csv",
            abstract: "Export one aggregate as CSV (RFC 4180, safe to open in a spreadsheet).",
            discussion: """
                Aggregates: \(ExportAggregate.allCases.map(\.rawValue).joined(separator: ", ")).

                Format: UTF-8, a header row, then one row per record ordered by its key; records end with CRLF; \
                fields holding a comma, a double quote or a line break are enclosed in double quotes, with double \
                quotes doubled. A field starting with =, +, -, @, tab or CR is prefixed with a single quote so that \
                spreadsheets do not run it as a formula. Amounts are plain decimals in the row's currency \
                (12500.50), dates YYYY-MM-DD, times ISO 8601 UTC (2026-11-22T17:00:00Z).

                Flags (overdue, attended, passed) are yes or no; statuses that depend on the day (overdue, a \
                certificate's status) are those of the day of the export.

                Columns: \(ExportAggregate.allCases.map { "\($0.rawValue): \($0.columns.joined(separator: ", "))." }.joined(separator: " "))
                """
        )
        @Argument(help: ArgumentHelp("What to export: \(ExportAggregate.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "aggregate"))
        var aggregate: String
        @OptionGroup var destination: ExportDestination
        @OptionGroup var database: DatabaseOptions

        func export(from store: FundStore) throws -> (Sink, TerminalProgress) throws -> Void {
            guard let aggregate = ExportAggregate(rawValue: aggregate.lowercased()) else {
                throw StoreError(.rejected, code: "aggregate_unknown",
                                 "\"\(aggregate)\" cannot be exported; choose one of \(ExportAggregate.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return { sink, progress in
                try store.export(aggregate, header: { sink(CSV.record($0)) }, record: { sink(CSV.record($0)) }, progress: progress.update)
            }
        }
    }
}

/// `rrfctl export hxl`.
struct HXLExportCommand: StoreExport {
    static let configuration = CommandConfiguration(
        commandName: "hxl",
        abstract: "Export who does what where as HXL-tagged CSV (Humanitarian Exchange Language).",
        discussion: """
            The CSV rules of export csv, with the HXL hashtags in the second row. One row per proposal that \
            passed screening, by reference. Columns and hashtags: Funder #org +funder; Implementing organisation \
            #org +impl; Organisation code #org +impl +code; Cluster #sector +cluster; Cluster code \
            #sector +cluster +code (IASC acronym, e.g. HEA); Reference #activity +code; Title #activity +name; \
            Country #country +code; Locations #adm1 +name (as submitted, "; " between names); Requested \
            #value +requested; Approved #value +funded (empty until approved); Currency #currency; Submitted \
            #date +start; Status #status.
            """
    )
    @Option(help: ArgumentHelp("The fund's name in #org +funder (default: RRF_FUND_NAME, then \"Rapid Response Fund\").", valueName: "name"))
    var funder: String?
    @OptionGroup var destination: ExportDestination
    @OptionGroup var database: DatabaseOptions

    func export(from store: FundStore) throws -> (Sink, TerminalProgress) throws -> Void {
        let funder = funder ?? ProcessInfo.processInfo.environment["RRF_FUND_NAME"] ?? "Rapid Response Fund"
        return { sink, progress in
            try store.exportHXL(funder: funder, header: { sink(CSV.record($0)) }, record: { sink(CSV.record($0)) }, progress: progress.update)
        }
    }
}

/// `rrfctl export iati`.
struct IATIExportCommand: StoreExport {
    static let configuration = CommandConfiguration(
        commandName: "iati",
        abstract: "Export every signed grant as an IATI 2.03 activity (XML for IATI and OCHA's FTS).",
        discussion: """
            One <iati-activity humanitarian="1"> per signed grant, valid against the IATI 2.03 activity schema: \
            iati-identifier (<reporting org ref>-<grant reference>); reporting-org (the fund's manager); title and \
            description (from the proposal); participating-org role 1 Funding (each donor of the grant's envelope), \
            3 Extending (the fund's manager), 4 Implementing (the NGO); activity-status (2 implementation, 3 \
            finalisation, 4 closed, 5 cancelled, 6 suspended); activity-date type 2 (start) and 3 (planned end); \
            recipient-country (the NGO's country); sector vocabulary 10 (IASC cluster acronym, 100 %); transactions \
            type 2 Commitment at signing, 3 Disbursement per released tranche, 4 Expenditure per accepted report \
            (the increase of its cumulative spending), each with transaction-date and value (currency, value-date).
            """
    )
    @Option(help: ArgumentHelp("IATI identifier of the fund's manager (default: RRF_IATI_ORG_REF, then XM-RRF).", valueName: "ref"))
    var reportingOrgRef: String?
    @Option(help: ArgumentHelp("Name of the fund's manager (default: RRF_FUND_NAME, then \"Rapid Response Fund\").", valueName: "name"))
    var reportingOrgName: String?
    @Option(help: ArgumentHelp("IATI organisation type code of the fund's manager (40 multilateral, 21 international NGO …).", valueName: "code"))
    var reportingOrgType = "40"
    @OptionGroup var destination: ExportDestination
    @OptionGroup var database: DatabaseOptions

    /// The reporting organisation, from the options, then the environment (refused as a usage error, exit code 64).
    func reportingOrganisation() throws -> IATIOrganisation {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try IATIOrganisation.reporting(
                ref: reportingOrgRef ?? environment["RRF_IATI_ORG_REF"] ?? "XM-RRF", type: reportingOrgType,
                name: reportingOrgName ?? environment["RRF_FUND_NAME"] ?? "Rapid Response Fund"
            )
        } catch let error as StoreError {
            throw ValidationError(error.message)
        }
    }

    func validate() throws { _ = try reportingOrganisation() }

    func export(from store: FundStore) throws -> (Sink, TerminalProgress) throws -> Void {
        let activities = try store.iatiActivities(reportingOrg: try reportingOrganisation())
        return { sink, progress in
            sink(IATIXML.document(activities, generated: Date()))
            progress.update(activities.count, activities.count)
        }
    }
}

/// An export: reads the fund's store and writes text to `--output` or standard output instead of printing a
/// result. Its `run()` is given, like `PrintingCommand`'s: what can be refused is refused by `export(from:)`
/// before anything is written; the writer it returns streams the rows.
protocol StoreExport: ParsableCommand {
    /// Receives the export's text, in order.
    typealias Sink = (String) -> Void

    /// `--output`.
    var destination: ExportDestination { get }
    /// `--database-url`.
    var database: DatabaseOptions { get }

    /// Checks the request and loads what must be loaded before writing; returns the writer of the rows.
    func export(from store: FundStore) throws -> (Sink, TerminalProgress) throws -> Void
}

extension StoreExport {
    func run() throws {
        try reportingFailures {
            let write = try export(from: database.signedInStore())
            try destination.write(write)
        }
    }
}

/// `--output <file>` (default standard output) and the progress line of exports.
struct ExportDestination: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("Write to this file instead of standard output (- is standard output).", valueName: "file"))
    var output: String?

    /// Runs `body` with a text sink and a progress reporter. A regular file is written beside its target and
    /// renamed over it only once the export is complete and on disk, so a failed export leaves no partial file; a
    /// target that is not a regular file (a pipe, a device such as /dev/stdout) is written in place. Any failed
    /// write (a full disk, a closed pipe) fails the export with exit code 74.
    func write(_ body: (_ sink: (String) -> Void, _ progress: TerminalProgress) throws -> Void) throws {
        guard let output, output != "-" else {
            try export(to: FileHandle.standardOutput, named: "standard output", body)
            return
        }
        let target = URL(fileURLWithPath: output)
        var status = stat()
        if stat(target.path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            guard let handle = FileHandle(forWritingAtPath: target.path) else {
                throw FileProblem(message: "\(output) cannot be written; check that you may write there.")
            }
            defer { try? handle.close() }
            return try export(to: handle, named: output, body)
        }
        let partial = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil), let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw FileProblem(message: "The file \(output) cannot be written; check that its folder exists and that you may write there.")
        }
        func discard() {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
        }
        do {
            // A refusal or a database error of the export itself is passed on as it is.
            try export(to: handle, named: output, body)
        } catch {
            discard()
            throw error
        }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            discard()
            throw FileProblem(message: "The file \(output) could not be written completely (is the disk full?); nothing was kept.", underlying: "\(error)")
        }
        // rename(2) replaces the target in one step.
        guard rename(partial.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: partial)
            throw FileProblem(message: "The file \(output) cannot be written; check the folder and its permissions.", underlying: String(cString: strerror(errno)))
        }
    }

    private func export(
        to handle: FileHandle, named name: String, _ body: (_ sink: (String) -> Void, _ progress: TerminalProgress) throws -> Void
    ) throws {
        var buffer = Data()
        var failure: (any Error)?
        func flush() {
            guard failure == nil, !buffer.isEmpty else { return }
            do { try handle.write(contentsOf: buffer) } catch { failure = error }
            buffer.removeAll(keepingCapacity: true)
        }
        let progress = TerminalProgress("exported", "rows")
        try body({ text in
            guard failure == nil else { return }
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 64 * 1024 { flush() }
        }, progress)
        flush()
        progress.finish()
        if let failure {
            throw FileProblem(message: "Writing the export to \(name) failed (is the disk full, or the reader gone?); the export is incomplete.", underlying: "\(failure)")
        }
    }
}
