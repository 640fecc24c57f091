import Foundation
import HTTPTypes

/// Which part of a list a request asks for: `?limit=` (1–200, default 50) and `?cursor=` (opaque, from the
/// previous page's `nextCursor`).
///
/// The cursor is, for now, the base64url text of `offset:<n>` and the store pages by limit and offset, so a
/// record inserted before the cursor while a client walks the list can shift the pages by one; keyset paging
/// (a cursor naming the last record seen) is issue 19. Clients must treat the cursor as opaque.
struct APIPageRequest: Sendable, Equatable {
    static let defaultLimit = 50
    static let maximumLimit = 200

    let limit: Int
    let offset: Int

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
        if let cursor {
            guard let offset = Self.offset(of: cursor) else {
                throw APIProblem(.badRequest, code: "cursor_invalid", detail: "The cursor is not one this API gave; start again without a cursor.")
            }
            self.offset = offset
        } else {
            offset = 0
        }
    }

    /// How many records to ask the store for: one more than the page, to know whether another page follows.
    var probe: Int { limit + 1 }

    /// The page of `records` (fetched with ``probe`` from ``offset``), with the cursor of the next page when
    /// there are more.
    func page<Record, Item: Encodable>(_ records: [Record], _ item: (Record) -> Item) -> APIPage<Item> {
        let more = records.count > limit
        return APIPage(items: records.prefix(limit).map(item), nextCursor: more ? Self.cursor(offset: offset + limit) : nil)
    }

    static func cursor(offset: Int) -> String {
        Data("offset:\(offset)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func offset(of cursor: String) -> Int? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8), text.hasPrefix("offset:"),
              let offset = Int(text.dropFirst("offset:".count)), offset >= 0 else { return nil }
        return offset
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
