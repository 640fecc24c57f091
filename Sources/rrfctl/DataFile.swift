import Foundation
import RRFStore
import RRFWorkflow
import Yams

// The files commands read (`-` is standard input). A file that cannot be opened is exit code 74 (FileProblem);
// one whose content is not in its format is exit code 65 (DataProblem), said naming the file, the line where the
// format has lines (YAML, CSV; JSON syntax errors) and the field; content that breaks a rule of the fund is the
// rule's refusal (exit code 3).

/// A UTF-8 text file that should hold `content` (said when it is empty); `advice` says how to save it when it
/// is not UTF-8.
func readText(_ path: String, holding content: String, saveAs advice: String) throws -> String {
    let data = try readBytes(path)
    if data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
        throw DataProblem(message: "\(subject(path)) is empty; it should hold \(content).")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        // A line break is never part of a longer UTF-8 sequence, so the lines can be checked one by one.
        let line = data.split(separator: 0x0A, omittingEmptySubsequences: false).firstIndex { String(data: Data($0), encoding: .utf8) == nil } ?? 0
        throw DataProblem(message: "\(subject(path)), line \(line + 1), holds bytes that are not UTF-8 text; \(advice).")
    }
    return text
}

/// A CSV sheet as text, once `problems` (the workflow's reader of that kind of sheet) finds nothing wrong with
/// its format; otherwise every problem, by line.
func readSheet(_ path: String, holding content: String, problems: (String) -> [String]) throws -> String {
    let text = try readText(path, holding: content, saveAs: "save the sheet as CSV UTF-8 and import it again")
    let found = problems(text)
    guard found.isEmpty else {
        throw DataProblem(message: """
            \(subject(path)) is not a sheet in the format of the command's --help; nothing was imported. Fix \
            \(found.count == 1 ? "this problem" : "these \(found.count) problems") and import it again:
            \(found.map { "  \($0)" }.joined(separator: "\n"))
            """)
    }
    return text
}

/// Reads a JSON or YAML file (by its extension; `-` reads JSON from standard input) into `T`, refusing any key
/// `shape` does not allow. What is wrong is said with the field's place (`scorecard.criteria[1].weight`) and,
/// for YAML, its line.
func decodeFile<T: Decodable>(_ path: String, as type: T.Type, shape: DocumentShape) throws -> T {
    let isYAML = path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    let text = try readText(path, holding: "a \(isYAML ? "YAML" : "JSON") document (its format is in the command's --help)", saveAs: "save it as UTF-8")
    return try isYAML ? decodeYAML(text, path: path, shape: shape) : decodeJSON(text, path: path, shape: shape)
}

private func decodeJSON<T: Decodable>(_ text: String, path: String, shape: DocumentShape) throws -> T {
    let data = Data(text.utf8)
    let document: Any
    do {
        document = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
        throw DataProblem(message: "\(subject(path)) is not valid JSON (\(jsonSyntaxPlace(error, in: data))); correct its syntax.")
    }
    if let unknown = shape.firstUnknownKey(in: document) {
        throw DataProblem(message: unknownKeyMessage(unknown, path: path, line: nil))
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        throw DataProblem(message: decodingMessage(error, path: path) { _ in nil })
    } catch let error as WorkflowRejection {
        throw ruleRefusal(error, path: path)
    }
}

private func decodeYAML<T: Decodable>(_ text: String, path: String, shape: DocumentShape) throws -> T {
    let root: Node
    do {
        guard let node = try Yams.compose(yaml: text) else {
            throw DataProblem(message: "\(subject(path)) holds only comments; it should hold a YAML document (its format is in the command's --help).")
        }
        root = node
    } catch let error as YamlError {
        throw DataProblem(message: "\(subject(path)) is not valid YAML (\(yamlSyntaxPlace(error))); correct its syntax.")
    }
    // Aliases are expanded where they are used: nine of nine of nine… ("billion laughs") would take hours.
    guard valueCount(root, atMost: maximumValues) <= maximumValues else {
        throw DataProblem(message: """
            \(subject(path)) holds more than \(maximumValues) values (an alias counts each time it is used); \
            write each value out, without anchors and aliases.
            """)
    }
    if let unknown = shape.firstUnknownKey(in: Constructor.default.any(from: root)) {
        let mapping = node(at: unknown.mapping, in: root)?.mapping
        let key = mapping?.first { $0.key.string == unknown.key }?.key
        throw DataProblem(message: unknownKeyMessage(unknown, path: path, line: key?.mark?.line))
    }
    do {
        return try YAMLDecoder().decode(T.self, from: root)
    } catch let error as DecodingError {
        throw DataProblem(message: decodingMessage(error, path: path) { node(at: $0, in: root)?.mark?.line })
    } catch let error as YamlError {
        throw DataProblem(message: "\(subject(path)) cannot be read as YAML (\(yamlSyntaxPlace(error))); correct it.")
    } catch let error as WorkflowRejection {
        throw ruleRefusal(error, path: path)
    }
}

/// The most values (scalars, lists, mappings) a YAML data file may hold: far more than any file of the fund's.
private let maximumValues = 100_000

/// How many values `node` holds, counting no further than just past `limit`.
private func valueCount(_ node: Node, atMost limit: Int) -> Int {
    var count = 0
    func visit(_ node: Node) {
        guard count <= limit else { return }
        count += 1
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping where count <= limit {
                visit(key)
                visit(value)
            }
        case .sequence(let sequence):
            for item in sequence where count <= limit { visit(item) }
        case .scalar, .alias:
            break
        }
    }
    visit(node)
    return count
}

/// A rule of the fund that the file's content breaks (exit code 3), naming the file.
private func ruleRefusal(_ rejection: WorkflowRejection, path: String) -> StoreError {
    StoreError(.rejected, code: rejection.code, "\(prefix(path, line: nil)) \(rejection.message)")
}

/// "The file x.json" (or "The standard input" for `-`), to begin a sentence.
private func subject(_ path: String) -> String { path == "-" ? "The standard input" : "The file \(path)" }

/// The bytes of a file or of standard input; devices and pipes (`/dev/null`, `<(…)`) are read to their end.
private func readBytes(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    do {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        return try handle.readToEnd() ?? Data()
    } catch {
        let code = (error as NSError).code
        let message = switch code {
        case CocoaError.fileReadNoSuchFile.rawValue, CocoaError.fileNoSuchFile.rawValue: "The file \(path) does not exist; check its path."
        case CocoaError.fileReadNoPermission.rawValue: "The file \(path) cannot be read: permission denied; check its permissions."
        default: "The file \(path) cannot be read (is it a folder?); check its path and permissions."
        }
        throw FileProblem(message: message, underlying: "\(error)")
    }
}

/// The steps of a decoder's coding path.
private func steps(_ codingPath: [any CodingKey]) -> [DocumentShape.Step] {
    codingPath.map { key in key.intValue.map { .index($0) } ?? .key(key.stringValue) }
}

/// The YAML node at `steps` from `root`, if there is one.
private func node(at steps: [DocumentShape.Step], in root: Node) -> Node? {
    var node = root
    for step in steps {
        switch step {
        case .key(let key):
            guard let value = node.mapping?[key] else { return nil }
            node = value
        case .index(let index):
            guard let items = node.sequence, items.indices.contains(index) else { return nil }
            node = items[index]
        }
    }
    return node
}

/// "The file x.yaml, line 4:" or "The file x.json:".
private func prefix(_ path: String, line: Int?) -> String { "\(subject(path))\(line.map { ", line \($0)" } ?? ""):" }

private func unknownKeyMessage(_ unknown: DocumentShape.UnknownKey, path: String, line: Int?) -> String {
    let place = unknown.place.map { " of \($0)" } ?? ""
    return "\(prefix(path, line: line)) \"\(unknown.path)\" is not a field; the fields\(place) are \(unknown.allowed.joined(separator: ", ")). Correct or remove it."
}

/// A decoding error as a sentence naming the field; `line` finds the line of a place, where the format has lines.
private func decodingMessage(_ error: DecodingError, path: String, line: ([DocumentShape.Step]) -> Int?) -> String {
    let help = " (the command's --help gives the file's format)"
    switch error {
    case .keyNotFound(let key, let context):
        let field = DocumentShape.dotted(steps(context.codingPath) + [.key(key.stringValue)])
        return "\(prefix(path, line: line(steps(context.codingPath)))) the field \"\(field)\" is missing; add it\(help)."
    case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
        let place = steps(context.codingPath)
        let what = place.isEmpty ? "the document" : "the field \"\(DocumentShape.dotted(place))\""
        return "\(prefix(path, line: line(place))) \(what) should be \(expected(type))\(help)."
    case .dataCorrupted(let context):
        let place = steps(context.codingPath)
        if let rejection = context.underlyingError as? WorkflowRejection { return "\(prefix(path, line: line(place))) \(rejection.message)" }
        let what = place.isEmpty ? "the document is not valid" : "the field \"\(DocumentShape.dotted(place))\" is not valid"
        return "\(prefix(path, line: line(place))) \(what) (\(context.debugDescription))\(help)."
    @unknown default:
        return "\(prefix(path, line: nil)) it does not have the expected fields\(help)."
    }
}

/// What a value of `type` is, for people.
private func expected(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "text"
    case is Bool.Type: return "true or false"
    case is Int.Type, is Int64.Type, is Int32.Type: return "a whole number"
    case is Double.Type, is Float.Type: return "a number"
    default:
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "a list" }
        if name.hasPrefix("Dictionary") { return "a mapping of fields (key: value)" }
        return "a \(name)"
    }
}

/// Where a JSON syntax error is ("line 3, column 7", from the parser's "around character N"), and what.
private func jsonSyntaxPlace(_ error: any Error, in data: Data) -> String {
    var reason = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "a syntax error"
    if reason.hasSuffix(".") { reason.removeLast() }
    var place = ""
    if let range = reason.range(of: " around character "), let index = Int(reason[range.upperBound...]), index <= data.count {
        reason = String(reason[..<range.lowerBound])
        let before = data.prefix(index)
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        place = "line \(before.count(where: { $0 == 0x0A }) + 1), column \(index - lineStart + 1): "
    }
    if reason.hasPrefix("Too many nested") { reason = "lists or mappings nested too deeply" }
    return place + reason.prefix(1).lowercased() + reason.dropFirst()
}

/// Where a YAML syntax error is, with libyaml's own words.
private func yamlSyntaxPlace(_ error: YamlError) -> String {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
        let words = problem.contains("nesting level") ? "lists or mappings nested too deeply" : problem
        return "line \(mark.line), column \(mark.column): \(words)"
    default:
        return "\(error)"
    }
}
