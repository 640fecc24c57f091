import ArgumentParser

extension RRFCtl {
    /// Parses and runs the command as swift-argument-parser's own `main` does; when the parse fails on a
    /// mistyped command name (`rrfctl propsal list`), says which command was meant, as a usage error (exit 64).
    /// Every other parse error is printed as the parser words it, ``terminalSafe(_:)`` and ``shortened(_:)``.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure, let suggestion = suggestion(for: arguments) {
                printError("error: \(suggestion)\nSee 'rrfctl --help' for the commands.\n")
                exit(withError: ExitCode.validationFailure)
            }
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            // The parser quotes what was typed: made terminal-safe and cut to a screen like every refusal.
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(shortened(message) + "\n") }
            exit(withError: code)
        }
    }

    /// "Unknown command propsal. Did you mean proposal?" for the first word of `arguments` that names no command
    /// where a command is expected, when one command's name is within a typo of it (nil otherwise).
    static func suggestion(for arguments: [String]) -> String? {
        var command: any ParsableCommand.Type = RRFCtl.self
        var path: [String] = []
        for argument in arguments where !argument.hasPrefix("-") {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty else { return nil }
            if let next = subcommands.first(where: { names($0).contains(argument) }) {
                command = next
                path.append(argument)
                continue
            }
            let word = argument.lowercased()
            let tolerance = max(1, min(2, word.count / 3))
            let nearest = subcommands.flatMap(names).map { (name: $0, distance: editDistance(word, $0)) }.min { $0.distance < $1.distance }
            guard let nearest, nearest.distance <= tolerance else { return nil }
            return "Unknown command \((path + [argument]).joined(separator: " ")). Did you mean \((path + [nearest.name]).joined(separator: " "))?"
        }
        return nil
    }

    private static func names(_ command: any ParsableCommand.Type) -> [String] {
        [command._commandName] + command.configuration.aliases
    }

    /// The optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
