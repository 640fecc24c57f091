import Foundation

/// What a finished program printed (standard output and error together) and its exit status.
struct ProcessRun {
    let status: Int32
    let output: String

    /// Runs `executable` with exactly `environment` (nothing inherited) in `directory`, and waits for it.
    init(_ executable: String, _ arguments: [String], environment: [String: String], in directory: URL? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        output = String(decoding: data, as: UTF8.self)
    }
}

extension URL {
    /// A file of this folder with `text` written into it.
    func file(_ name: String, _ text: String) throws -> URL {
        let file = appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// The checkout's root folder (this file is `Tests/rrfctlTests/ProcessRun.swift`).
let checkoutRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
