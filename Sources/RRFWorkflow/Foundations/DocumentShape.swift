/// The keys each mapping of a data document may hold: a JSON or YAML file read into dictionaries, arrays and
/// scalars (`JSONSerialization`, `Yams.load`). A key that no decoder reads (a typo, a setting of another
/// version) is refused by name instead of being ignored: rrfctl's data files, rrfd's and rrfweb's configuration.
///
/// Only the keys are checked; types, required fields and values are the decoder's and the rules' to refuse.
public indirect enum DocumentShape: Sendable {
    /// A mapping whose keys are exactly these, each with the shape of its value.
    case fields([String: DocumentShape])
    /// A mapping whose keys the writer chooses (e.g. one cluster per envelope), every value of this shape.
    case entries(DocumentShape)
    /// A list, every item of this shape.
    case list(DocumentShape)
    /// A scalar, or a value whose keys are not checked.
    case value

    /// A mapping of these keys, each a scalar (or not checked further) unless `nested` gives its shape.
    public static func scalars(_ keys: [String], nested: [String: DocumentShape] = [:]) -> DocumentShape {
        .fields(Dictionary(keys.map { ($0, DocumentShape.value) }, uniquingKeysWith: { first, _ in first }).merging(nested) { _, shape in shape })
    }

    /// One step into a document: a mapping's key or a list's position (0-based).
    public enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// A key of a mapping that the shape does not allow.
    public struct UnknownKey: Hashable, Sendable {
        /// Where the mapping is, from the document's root (empty: the top level).
        public let mapping: [Step]
        /// The key not allowed.
        public let key: String
        /// The keys allowed in that mapping, sorted.
        public let allowed: [String]

        /// The mapping's place as written in messages: `notifications`, `cron[0]`, `scorecard.criteria[1]`;
        /// nil at the top level.
        public var place: String? { mapping.isEmpty ? nil : DocumentShape.dotted(mapping) }
        /// The key's full place, e.g. `cron[0].payloads`.
        public var path: String { DocumentShape.dotted(mapping + [.key(key)]) }
    }

    /// The first key of `document` (keys in sorted order, depth first) that the shape does not allow, or nil.
    /// Values that are not of the shape's kind (a list where a mapping is expected) are left to the decoder.
    public func firstUnknownKey(in document: Any) -> UnknownKey? { firstUnknownKey(in: document, at: []) }

    private func firstUnknownKey(in document: Any, at place: [Step]) -> UnknownKey? {
        switch self {
        case .value:
            return nil
        case .list(let item):
            guard let items = document as? [Any] else { return nil }
            for (index, element) in items.enumerated() {
                if let found = item.firstUnknownKey(in: element, at: place + [.index(index)]) { return found }
            }
            return nil
        case .entries(let value):
            for (key, element) in Self.mapping(document) ?? [] {
                if let found = value.firstUnknownKey(in: element, at: place + [.key(key)]) { return found }
            }
            return nil
        case .fields(let fields):
            for (key, element) in Self.mapping(document) ?? [] {
                guard let shape = fields[key] else { return UnknownKey(mapping: place, key: key, allowed: fields.keys.sorted()) }
                if let found = shape.firstUnknownKey(in: element, at: place + [.key(key)]) { return found }
            }
            return nil
        }
    }

    /// A mapping's entries sorted by key (keys that are not text, e.g. YAML's `1:`, as written), or nil when
    /// `document` is not a mapping.
    private static func mapping(_ document: Any) -> [(String, Any)]? {
        if let strings = document as? [String: Any] { return strings.sorted { $0.key < $1.key } }
        if let any = document as? [AnyHashable: Any] { return any.map { ("\($0.key.base)", $0.value) }.sorted { $0.0 < $1.0 } }
        return nil
    }

    /// Steps written as `a.b[2].c`.
    public static func dotted(_ steps: [Step]) -> String {
        var text = ""
        for step in steps {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
