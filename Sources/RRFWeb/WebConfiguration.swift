import Foundation
import Postgres
import RRFWorkflow
import Yams

/// How rrfweb runs: from the environment, then a YAML file whose unknown keys are refused.
public struct WebConfiguration: Sendable, Equatable {
    /// The fund's database (`DATABASE_URL`).
    public var databaseURL: String?
    /// The address to listen on (`RRFWEB_HOST`, default 127.0.0.1: put a TLS proxy in front).
    public var host = "127.0.0.1"
    /// The port (`RRFWEB_PORT`, default 8080).
    public var port = 8080
    /// The address people reach the portal at (`RRF_PUBLIC_URL`): the links of e-mails, and `Secure` cookies
    /// when it is https.
    public var publicURL = "http://localhost:8080"
    /// Threads that run the store's blocking libpq calls (never the event loops or Swift's cooperative pool).
    public var storeThreads = 8
    /// trace, debug, info, notice, warning, error, critical.
    public var logLevel = "info"
    /// The fund's name in exports (`RRF_FUND_NAME`): HXL's #org +funder, IATI's reporting organisation.
    public var fundName = "Rapid Response Fund"
    /// The IATI identifier of the fund's manager (`RRF_IATI_ORG_REF`), as `rrfctl export iati` uses it.
    public var iatiOrganisationRef = "XM-RRF"
    /// Sign-in attempts a minute from one address before the form answers 429 (`RRFWEB_SIGN_IN_LIMIT`), beside
    /// each account's own lock-out.
    public var signInAttemptsPerMinute = 10

    public init() {}

    /// The keys a configuration file may hold.
    static let keys = ["database_url", "host", "port", "public_url", "store_threads", "log_level", "fund_name", "iati_org_ref", "sign_in_attempts_per_minute"]

    /// The environment's settings, then the file's (when given) over them.
    public static func load(environment: [String: String], file: String?) throws -> WebConfiguration {
        var configuration = WebConfiguration()
        configuration.databaseURL = environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let host = environment["RRFWEB_HOST"], !host.isEmpty { configuration.host = host }
        if let port = environment["RRFWEB_PORT"], !port.isEmpty { configuration.port = try number(port, key: "RRFWEB_PORT", in: 1...65_535) }
        if let url = environment["RRF_PUBLIC_URL"], !url.isEmpty { configuration.publicURL = url }
        if let name = environment["RRF_FUND_NAME"], !name.isEmpty { configuration.fundName = name }
        if let ref = environment["RRF_IATI_ORG_REF"], !ref.isEmpty { configuration.iatiOrganisationRef = ref }
        if let limit = environment["RRFWEB_SIGN_IN_LIMIT"], !limit.isEmpty {
            configuration.signInAttemptsPerMinute = try number(limit, key: "RRFWEB_SIGN_IN_LIMIT", in: 1...1_000_000)
        }
        guard let file else { return configuration }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ConfigurationProblem("The configuration file \(file) cannot be read; check its path and permissions.")
        }
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch {
            throw ConfigurationProblem("The configuration file \(file) is not valid YAML (\(error)); correct its syntax.")
        }
        guard let values = document as? [String: Any] else {
            throw ConfigurationProblem("The configuration file \(file) is not a YAML mapping of settings (key: value).")
        }
        if let unknown = DocumentShape.scalars(keys).firstUnknownKey(in: values) {
            throw ConfigurationProblem("\(file): \"\(unknown.key)\" is not a setting of rrfweb; the settings are \(unknown.allowed.joined(separator: ", ")).")
        }
        if let value = values["database_url"] { configuration.databaseURL = "\(value)" }
        if let value = values["host"] { configuration.host = "\(value)" }
        if let value = values["port"] { configuration.port = try number("\(value)", key: "port", in: 1...65_535) }
        if let value = values["public_url"] { configuration.publicURL = "\(value)" }
        if let value = values["store_threads"] { configuration.storeThreads = try number("\(value)", key: "store_threads", in: 1...256) }
        if let value = values["log_level"] { configuration.logLevel = "\(value)" }
        if let value = values["fund_name"] { configuration.fundName = "\(value)" }
        if let value = values["iati_org_ref"] { configuration.iatiOrganisationRef = "\(value)" }
        if let value = values["sign_in_attempts_per_minute"] {
            configuration.signInAttemptsPerMinute = try number("\(value)", key: "sign_in_attempts_per_minute", in: 1...1_000_000)
        }
        return configuration
    }

    /// Whether people reach the portal over https (cookies are then `Secure`).
    public var isHTTPS: Bool { publicURL.lowercased().hasPrefix("https://") }

    /// Every effective setting, one `key: value` line each in the configuration file's words, the database
    /// password redacted (`rrfweb --print-config`).
    public var printableText: String {
        [
            "database_url: \(databaseURL.map { PostgresConfiguration.redactingPassword(in: $0) } ?? "(not set: PG* variables and ~/.pgpass)")",
            "host: \(host)", "port: \(port)", "public_url: \(publicURL)", "store_threads: \(storeThreads)", "log_level: \(logLevel)",
            "fund_name: \(fundName)", "iati_org_ref: \(iatiOrganisationRef)", "sign_in_attempts_per_minute: \(signInAttemptsPerMinute)",
        ].joined(separator: "\n")
    }

    private static func number(_ text: String, key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationProblem("\(key) is \"\(text)\"; give a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }
}

/// A configuration rrfweb cannot start with, said as a sentence.
public struct ConfigurationProblem: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
