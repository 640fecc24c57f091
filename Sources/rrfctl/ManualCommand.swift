import ArgumentParser
import RRFStore
import Foundation

/// `rrfctl commands`: every command path (hidden; for tests and packaging), and the manual page rendered
/// from the same help texts `--help` prints (`rrfctl commands --man > rrfctl.1`).
struct CommandsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commands",
        abstract: "List every command, or print the manual page (troff or Markdown) built from their help.",
        discussion: """
            Shell completions come from the same tree: rrfctl --generate-completion-script bash (or zsh, fish).
            deploy/install.sh installs rrfctl.1 made by swift-argument-parser's generate-manual (deploy/man/generate.sh).
            """,
        shouldDisplay: false
    )

    @Flag(help: "Print the manual page in troff (man 1) format.") var man = false
    @Flag(help: "Print the manual as Markdown.") var markdown = false

    /// Every command with its path, depth first, the root first.
    static func tree() -> [(path: [String], command: any ParsableCommand.Type)] {
        var result: [(path: [String], command: any ParsableCommand.Type)] = []
        func visit(_ command: any ParsableCommand.Type, _ path: [String]) {
            result.append((path, command))
            for child in command.configuration.subcommands where child.configuration.shouldDisplay {
                visit(child, path + [child._commandName])
            }
        }
        visit(RRFCtl.self, ["rrfctl"])
        return result
    }

    func run() throws {
        let tree = Self.tree()
        if man {
            print(Self.troff(tree), terminator: "")
        } else if markdown {
            print(Self.markdown(tree), terminator: "")
        } else {
            tree.forEach { print($0.path.joined(separator: " ")) }
        }
    }

    private static func help(_ command: any ParsableCommand.Type) -> String {
        RRFCtl.helpMessage(for: command, columns: 100)
    }

    static func markdown(_ tree: [(path: [String], command: any ParsableCommand.Type)]) -> String {
        var text = "# rrfctl(1)\n\n"
        for (path, command) in tree {
            text += "\(String(repeating: "#", count: min(path.count + 1, 4))) \(path.joined(separator: " "))\n\n```\n\(help(command))\n```\n\n"
        }
        return text
    }

    static func troff(_ tree: [(path: [String], command: any ParsableCommand.Type)]) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\e").split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : String(line)
            }.joined(separator: "\n")
        }
        var text = """
            .TH RRFCTL 1 "" "rrfctl \(RRFVersion.current)" "Rapid Response Fund"
            .SH NAME
            rrfctl \\- \(escaped(RRFCtl.configuration.abstract))
            .SH SYNOPSIS
            .B rrfctl
            .I command
            [\\fIoptions\\fR]

            """
        for (path, command) in tree {
            text += ".SH \"\(path.joined(separator: " ").uppercased())\"\n.nf\n\(escaped(help(command)))\n.fi\n"
        }
        return text
    }
}
