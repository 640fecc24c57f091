import Hummingbird
import Postgres
import RRFStore

/// The navigation line under a list the portal shows a page at a time: "Showing 50 of 1,234." with a link to
/// the next page (`?after=` the store's cursor) and, past the first page, back to it.
enum PageNavigation {
    /// The cursor the request's `?after=` names; nil for the first page.
    /// - Throws: `cursor_invalid` (400) for a link the portal did not give out.
    static func cursor(_ request: Request) throws -> PageCursor? {
        try request.uri.queryParameters["after"].map { token in
            do { return try PageCursor(token: String(token)) } catch {
                throw StoreError(.rejected, code: "cursor_invalid", "This page link is not one the portal gave out; go back to the list and follow its links.")
            }
        }
    }

    /// The template values of the line under `page` of the list at `path` (`pageNav`), or nil when the page is
    /// the whole list.
    static func values<Item>(_ page: Page<Item>, after: PageCursor?, path: String) -> [String: Any]? {
        guard page.isCut || after != nil else { return nil }
        var values: [String: Any] = [
            "shown": page.count, "total": page.total, "estimated": page.totalIsEstimate, "later": after != nil, "path": path,
        ]
        values["next"] = page.next?.token
        return values
    }
}
