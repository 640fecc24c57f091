import Foundation

/// A progress line on standard error ("exported 1500 of 4000 rows"), redrawn in place, shown only when standard
/// error is a terminal (and the command was not asked for JSON): piped or redirected, a command stays quiet.
final class TerminalProgress {
    private let enabled: Bool
    private let verb: String
    private let unit: String
    private var shown = false

    /// A line "`verb` n of total `unit`"; `enabled` false keeps it quiet even on a terminal (e.g. for --json).
    init(_ verb: String, _ unit: String, enabled: Bool = true) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
        self.verb = verb
        self.unit = unit
    }

    /// `done` of an exact `total`.
    func update(_ done: Int, _ total: Int) {
        show("\(verb) \(done) of \(total) \(unit)")
    }

    /// `done` of an estimated total (nil: unknown).
    func update(_ done: Int, estimated total: Int?) {
        // An estimate can fall short of the truth; past it, only the count is honest.
        guard let total, total >= done else { return show("\(verb) \(done) \(unit)") }
        show("\(verb) \(done) of about \(total) \(unit)")
    }

    /// Ends the line, when one was shown.
    func finish() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func show(_ line: String) {
        guard enabled else { return }
        shown = true
        // Erases what is left of a longer line before.
        FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
    }
}
