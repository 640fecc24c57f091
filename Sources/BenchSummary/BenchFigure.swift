import Foundation

/// One headline figure of a benchmark, for the single table `.ci/bench` prints at the end (and
/// docs/performance.md shows): what was measured, the result, the baseline measured in the same run, the
/// issue's target and whether it was met, and the command that reproduces it.
///
/// ``record()`` appends the figure as one tab-separated line to the file named by `RRF_BENCH_SUMMARY`; without
/// that variable it does nothing, so a bench run by hand prints only its own lines.
public struct BenchFigure: Sendable {
    /// Whether a figure meets its target; `nil` for a figure without one.
    public let met: Bool?
    let fields: [String]

    public init(_ what: String, result: String, baseline: String, target: String = "-", met: Bool? = nil, command: String) {
        self.met = met
        fields = [what, result, baseline, target, met.map { $0 ? "met" : "missed" } ?? "-", command]
    }

    /// The figure's summary line: its fields, with tabs and line breaks made spaces and `|` escaped for markdown.
    var line: String {
        fields.map {
            $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
        }.joined(separator: "\t") + "\n"
    }

    /// Appends the figure to the summary file, if one is named (one write to a file opened for appending, so
    /// benches run one after the other keep their order); a file that cannot be written is said on stderr.
    public func record() {
        guard let path = ProcessInfo.processInfo.environment["RRF_BENCH_SUMMARY"], !path.isEmpty else { return }
        let bytes = Array(line.utf8)
        let file = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer { if file >= 0 { close(file) } }
        guard file >= 0, write(file, bytes, bytes.count) == bytes.count else {
            FileHandle.standardError.write(Data("cannot write the bench summary \(path): \(String(cString: strerror(errno)))\n".utf8))
            return
        }
    }
}
