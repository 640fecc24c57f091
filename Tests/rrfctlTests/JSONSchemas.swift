import Foundation

/// The JSON Schemas of `rrfctl --json` (docs/json/, issue 17 item 5): one per read command, checked with Python's
/// `jsonschema` (CI installs it).
enum JSONSchemas {
    /// docs/json/ of this checkout.
    static let folder = checkoutRoot.appendingPathComponent("docs/json", isDirectory: true)

    /// The schema file of a command path: `proposal list` → `docs/json/proposal-list.schema.json`.
    static func file(_ path: [String]) -> URL {
        folder.appendingPathComponent(path.joined(separator: "-") + ".schema.json")
    }

    /// The command paths that have a schema.
    static func documentedPaths() throws -> Set<[String]> {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".schema.json") }
        return Set(names.map { $0.dropLast(".schema.json".count).split(separator: "-").map(String.init) })
    }

    /// Checks `schema` as a draft 2020-12 schema, then `document` (a JSON file) against it: exit 0 when valid,
    /// otherwise the first problems, each with where in the document it lies.
    private static let check = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(map(str, e.absolute_path)))
        for error in errors[:5]:
            print("/".join(map(str, error.absolute_path)) or "(the whole document)", ":", error.message[:300])
        sys.exit(1 if errors else 0)
        """

    /// nil when `json` is valid against the schema of `path`, otherwise what is wrong; `scratch` is a folder
    /// for the document's file.
    static func problems(_ json: String, path: [String], scratch: URL) throws -> String? {
        let document = try scratch.file("document.json", json)
        let run = try ProcessRun(
            "/usr/bin/env", ["python3", "-c", check, file(path).path, document.path],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        )
        return run.status == 0 ? nil : run.output
    }
}
