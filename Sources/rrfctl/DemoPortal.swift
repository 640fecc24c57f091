import Foundation

/// `rrfctl demo --serve`: after the story, the demo fund stays open in the portal (the `rrfweb` built next to
/// rrfctl) on localhost until Ctrl-C, which stops the portal and then removes the throwaway PostgreSQL.
enum DemoPortal {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("rrfweb")
    }

    static func serve(databaseURL: String, port: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw FileProblem(message: "rrfweb was not found next to rrfctl (\(executable.path)); build it with `swift build`, then run the demo again.")
        }
        let address = "http://localhost:\(port)"
        let process = Process()
        process.executableURL = executable
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        environment["RRFWEB_HOST"] = "127.0.0.1"
        environment["RRFWEB_PORT"] = "\(port)"
        environment["RRF_PUBLIC_URL"] = address
        process.environment = environment
        // Ctrl-C reaches the portal too (same process group); rrfctl waits for it to stop, then cleans up.
        signal(SIGINT, SIG_IGN)
        try process.run()
        print("\nThe demo fund is open at \(address)/ — sign in as any person in the table above. Ctrl-C stops it.")
        fflush(nil)
        process.waitUntilExit()
        signal(SIGINT, SIG_DFL)
    }
}
