import Foundation
import Hummingbird
import Mustache
import RRFWorkflow
import Yams

/// The portal's pages: mustache templates kept as files, and the text of each language from one catalogue per
/// language (`Messages/<language>.yaml`; a new language is a new file, right-to-left ones say `direction: rtl`).
public struct Pages: Sendable {
    let library: MustacheLibrary
    let catalogues: [String: [String: String]]
    /// The fund's time zone, as minutes from UTC (dates show in it, with the zone).
    let utcOffsetMinutes: Int

    /// Loads the templates and catalogues from `resources` (the module's bundle by default).
    public static func load(resources: URL? = nil, utcOffsetMinutes: Int) async throws -> Pages {
        let base = try resources ?? Self.bundledResources()
        let library = try await MustacheLibrary(directory: base.appendingPathComponent("Templates").path)
        var catalogues: [String: [String: String]] = [:]
        let folder = base.appendingPathComponent("Messages")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".yaml") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            guard let entries = try Yams.load(yaml: text) as? [String: Any] else {
                throw ConfigurationProblem("The message catalogue \(file) is not a YAML mapping of message names to text.")
            }
            catalogues[String(file.dropLast(".yaml".count))] = entries.mapValues { "\($0)" }
        }
        guard catalogues["en"] != nil else { throw ConfigurationProblem("The English message catalogue Messages/en.yaml is missing.") }
        return Pages(library: library, catalogues: catalogues, utcOffsetMinutes: utcOffsetMinutes)
    }

    /// The folder of the templates, messages and static files shipped with the module.
    static func bundledResources() throws -> URL {
        guard let url = Bundle.module.resourceURL else { throw ConfigurationProblem("The portal's templates are missing from its bundle.") }
        return url
    }

    /// The catalogue for the request's preferred language (Accept-Language), English when none matches.
    func messages(for request: Request) -> [String: String] {
        let accepted = (request.headers[.acceptLanguage] ?? "").split(separator: ",").map {
            ($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased().prefix(2)
        }
        let language = accepted.first { catalogues[String($0)] != nil }.map(String.init) ?? "en"
        return catalogues[language] ?? catalogues["en"]!
    }

    /// The page `template` filled with `values`, the messages as `t`, the signed-in person as `person`.
    func render(
        _ template: String, _ values: [String: Any], request: Request, person: [String: Any]? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        var context = values
        context["t"] = messages(for: request)
        if let person { context["person"] = person }
        let html = library.render(context, withTemplate: template) ?? "<!doctype html><title>RRF</title><p>The page \(template) is missing.</p>"
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        response.headers[.contentLanguage] = context["t"].flatMap { ($0 as? [String: String])?["language"] } ?? "en"
        return response
    }

    /// A record's state as the request's language says it (`state_<name>` in the catalogue), the stored name
    /// in words when the catalogue has none.
    func state(_ name: String, for request: Request) -> String {
        messages(for: request)["state_\(name)"] ?? name.replacingOccurrences(of: "_", with: " ")
    }

    /// A time in the fund's time zone with the zone shown, e.g. `2026-12-02 17:00 (UTC+03:00)`.
    func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: utcOffsetMinutes * 60)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let offset = abs(utcOffsetMinutes)
        return "\(formatter.string(from: date)) (UTC\(sign)\(String(format: "%02d:%02d", offset / 60, offset % 60)))"
    }

    /// A time as a `datetime-local` field shows it, in the fund's time zone: `2026-12-15T17:00`.
    func inputTime(_ date: Date) -> String { inputFormatter.string(from: date) }

    /// A time typed in a `datetime-local` field (`2026-12-15T17:00`, or with a space), read in the fund's time zone;
    /// nil for anything else (no lenient guesses: `2027-02-30` is not a day).
    func parseInputTime(_ text: String) -> Date? {
        let typed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        guard let date = inputFormatter.date(from: typed), inputFormatter.string(from: date) == typed else { return nil }
        return date
    }

    private var inputFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: utcOffsetMinutes * 60)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        formatter.isLenient = false
        return formatter
    }
}
