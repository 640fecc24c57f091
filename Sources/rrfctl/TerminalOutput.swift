import Foundation

/// `text` with every control character but line break and tab written as `\u{…}`, so stored text (an ANSI
/// escape in an organisation's name, a carriage return that would overwrite a line) reaches the operator's
/// terminal as visible characters, never as a command to it.
func terminalSafe(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscaping) else { return text }
    var safe = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        if needsEscaping(scalar) {
            safe.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
        } else {
            safe.append(scalar)
        }
    }
    return String(safe)
}

private func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
    scalar != "\n" && scalar != "\t" && (scalar.properties.generalCategory == .control
        || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value))
}

/// rrfctl's standard output: Swift's `print`, with what is printed made ``terminalSafe(_:)``. Every `print` in
/// this module comes here, so no table, list or sentence can replay stored control characters (JSON output
/// is unchanged: its encoder already writes them as `\u001B`).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(terminalSafe(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}

/// Writes `text` to standard error, made ``terminalSafe(_:)``.
func printError(_ text: String) {
    FileHandle.standardError.write(Data(terminalSafe(text).utf8))
}
