import Foundation
import HTTPTypes
import Postgres

/// Which part of a list a request asks for: `?limit=` (1–200, default 50) and `?cursor=` (opaque, from the
/// previous page's `nextCursor`).
///
/// The cursor names the last record of the page before (keyset paging, ``PageCursor``), so a record inserted
/// or removed while a client walks the list neither shifts nor repeats a page. Clients must treat it as opaque.
struct APIPageRequest: Sendable, Equatable {
    static let defaultLimit = 50
    static let maximumLimit = 200

    let limit: Int
    /// Where the page starts; nil for the first page.
    let after: PageCursor?

    /// Reads `limit` and `cursor` from the query.
    /// - Throws: `limit_invalid` or `cursor_invalid` (400).
    init(limit: String?, cursor: String?) throws(APIProblem) {
        if let limit {
            guard let value = Int(limit), (1...Self.maximumLimit).contains(value) else {
                throw APIProblem(.badRequest, code: "limit_invalid", detail: "The limit \(limit) is not accepted; give 1 to \(Self.maximumLimit).")
            }
            self.limit = value
        } else {
            self.limit = Self.defaultLimit
        }
        do {
            after = try cursor.map { token throws(PageCursorError) in try PageCursor(token: token) }
        } catch {
            throw Self.cursorInvalid
        }
    }

    static let cursorInvalid = APIProblem(.badRequest, code: "cursor_invalid", detail: "The cursor is not one this API gave; start again without a cursor.")

    /// The page of the store's `page`, with the cursor of the next page when there are more.
    func page<Record, Item: Encodable>(_ page: Page<Record>, _ item: (Record) -> Item) -> APIPage<Item> {
        APIPage(items: page.items.map(item), nextCursor: page.next?.token)
    }

    /// The page of `records`, a whole short list, from the position the cursor names (a cursor of one number).
    /// - Throws: `cursor_invalid` for a cursor of another list.
    func page<Record>(ofWhole records: [Record]) throws(APIProblem) -> Page<Record> {
        var start = 0
        if let after {
            guard after.values.count == 1, let position = Int(after.values[0]), (0...records.count).contains(position) else { throw Self.cursorInvalid }
            start = position
        }
        let end = min(records.count, start + limit)
        return Page(total: records.count, limit: limit, next: end < records.count ? PageCursor(values: [String(end)]) : nil,
                    items: Array(records[start..<end]))
    }
}

/// One page of a list: `{"items": [...], "nextCursor": "…" | null}`.
struct APIPage<Item: Encodable>: Encodable {
    let items: [Item]
    /// The cursor of the next page; null on the last page.
    let nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
