import Foundation
import Postgres

extension PostgresConfiguration {
    /// A `postgresql://` URL for DATABASE_URL: the test server's URL with the test database as its path.
    public var connectionURL: String {
        guard let url = connectionString, let database, let scheme = url.range(of: "://") else { return connectionString ?? "" }
        let rest = url[scheme.upperBound...]
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        let queryStart = rest[pathStart...].firstIndex(of: "?") ?? rest.endIndex
        return String(url[..<pathStart]) + "/" + database + String(rest[queryStart...])
    }
}
