import Foundation
import RRFTestSupport
import Testing

/// `rrfctl export csv`: progress on a terminal, silence in a pipe.
@Suite(.serialized) struct ExportCommandTests {
    static let aggregates = [
        "organisations", "calls", "envelopes", "proposals", "grants", "tranches", "reports", "courses", "sessions", "attendance", "certificates",
    ]

    @Test func everyAggregateShowsProgressOnATerminalAndStaysQuietWhenPiped() throws {
        try withDemoFund { db in
            let cli = CLI(db)
            for aggregate in Self.aggregates {
                let piped = cli.finish(try cli.start(["export", "csv", aggregate], actor: "daniel"))
                #expect(piped.status == 0, "export csv \(aggregate) failed: \(piped.stderr)")
                #expect(piped.stderr.isEmpty, "export csv \(aggregate) wrote to a piped standard error: \(piped.stderr)")
                let rows = piped.stdout.components(separatedBy: "\r\n").count - 2
                #expect(rows > 0, "the demo fund has no \(aggregate) to export")
                let shown = try cli.onTerminal(["export", "csv", aggregate], actor: "daniel")
                #expect(shown.status == 0)
                #expect(shown.terminal.contains("exported \(rows) of \(rows) rows"), "export csv \(aggregate) showed: \(shown.terminal)")
            }
        }
    }
}

/// Issue 17 item 4: the IATI reporting organisation is checked against IATI's identifier rules and codelist.
@Suite struct ExportIATIOptionTests {
    @Test(arguments: [
        (["--reporting-org-ref", ""], "not an IATI organisation identifier"),
        (["--reporting-org-ref", "RRF fund"], "not an IATI organisation identifier"),
        (["--reporting-org-ref", "xm-rrf"], "not an IATI organisation identifier"),
        (["--reporting-org-type", "words"], "not an IATI OrganisationType code"),
        (["--reporting-org-type", "41"], "not an IATI OrganisationType code"),
        (["--reporting-org-name", " "], "name (--reporting-org-name) is empty"),
        (["--reporting-org-name", "Fund\u{1B}[2J"], "control character U+001B"),
    ])
    func aBadReportingOrganisationIsAUsageError(options: [String], sentence: String) throws {
        let outcome = try Offline.run(["export", "iati"] + options, environment: ["DATABASE_URL": "postgresql://nobody@/nowhere"])
        #expect(outcome.status == 64, "\(options): \(outcome.stderr)")
        #expect(outcome.stderr.contains(sentence), "\(options): \(outcome.stderr)")
    }
}

/// `--output`: the file appears whole or not at all.
@Suite struct ExportOutputFileTests {
    @Test func anExportToAFileIsCompleteAndAnUnwritableOneLeavesNothing() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin")
            try cli.ok("user", "add", "sec", "--name", "Sam Secretariat", "--role", "secretariat", as: "admin")
            let folder = db.scratchFolder.appendingPathComponent("rrf-export-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("calls.csv").path
            try "old content".write(toFile: file, atomically: true, encoding: .utf8)
            let written = try cli.run("export", "csv", "calls", "--output", file)
            #expect(written.status == 0, "export failed: \(written.stderr)")
            #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("code,title,kind,"))
            let missing = folder.appendingPathComponent("no-such-folder/calls.csv").path
            let refused = try cli.run("export", "csv", "calls", "--output", missing)
            #expect(refused.status == 74)
            #expect(refused.stderr.contains("cannot be written"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["calls.csv"], "no partial file is left behind")
        }
    }

    /// Issue 17 item 4: a full disk fails the export (74), whether it is --output or standard output, and a device
    /// named as --output is written, never replaced by a file.
    @Test func anExportToAFullDiskFailsAndReplacesNoDevice() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin")
            try cli.ok("user", "add", "sec", "--name", "Sam Secretariat", "--role", "secretariat", as: "admin")
            let full = try cli.run("export", "csv", "calls", "--output", "/dev/full")
            #expect(full.status == 74, "\(full.stderr)")
            #expect(full.stderr.contains("is the disk full"), "\(full.stderr)")
            var status = stat()
            #expect(stat("/dev/full", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "/dev/full is still the device")
            let process = try cli.process(["export", "csv", "calls"])
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 74, "\(text)")
            #expect(text.contains("standard output"))
        }
    }
}

extension CLI {
    /// Runs rrfctl with standard error on a pseudo-terminal (standard output discarded); returns its exit status and
    /// what the terminal received.
    func onTerminal(_ arguments: [String], actor: String) throws -> (status: Int32, terminal: String) {
        let pty = try PseudoTerminal.functions()
        let master = pty.open(O_RDWR | O_NOCTTY)
        try #require(master >= 0 && pty.grant(master) == 0 && pty.unlock(master) == 0, "no pseudo-terminal")
        defer { close(master) }
        let slave = open(try #require(pty.name(master)), O_RDWR | O_NOCTTY)
        try #require(slave >= 0, "the pseudo-terminal cannot be opened")
        let process = try process(arguments, actor: actor)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        do {
            try process.run()
        } catch {
            close(slave)
            throw error
        }
        // Only rrfctl holds the terminal now: reading ends (EIO) when it exits.
        close(slave)
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(master, &buffer, buffer.count)
            if count <= 0 { break }
            received.append(contentsOf: buffer[..<count])
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: received, as: UTF8.self))
    }
}

/// glibc's pseudo-terminal functions, looked up at run time: its headers declare them only for X/Open sources,
/// which Swift's Glibc module is not.
enum PseudoTerminal {
    typealias Call = @convention(c) (Int32) -> Int32

    static func functions() throws -> (open: Call, grant: Call, unlock: Call, name: @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?) {
        let libc = dlopen(nil, RTLD_NOW)
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            unsafeBitCast(try #require(dlsym(libc, name), "libc has no \(name)"), to: type)
        }
        return (
            try symbol("posix_openpt", as: Call.self), try symbol("grantpt", as: Call.self), try symbol("unlockpt", as: Call.self),
            try symbol("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
        )
    }
}
