import Foundation

/// One page of a list: at most `limit` items after a cursor, the cursor of the next page, and how many the
/// whole list holds.
///
/// Encoded as `{"total": 1234, "totalIsEstimate": false, "limit": 50, "next": "WyJQLTAwNTAiXQ", "items": [...]}`,
/// the shape of every paged list that `rrfctl --json` prints (docs/cli-json.md).
public struct Page<Item> {
    /// How many items the whole list holds, whatever the page: exact up to ``exactTotalLimit``, the planner's
    /// estimate above it (``totalIsEstimate``).
    public let total: Int
    /// Whether ``total`` is the planner's estimate of a long list rather than a count.
    public let totalIsEstimate: Bool
    /// The most items a page holds.
    public let limit: Int
    /// Where the next page starts; nil on the last page.
    public let next: PageCursor?
    /// The page's items, in the list's order.
    public let items: [Item]

    /// Lists up to this long are counted exactly; a longer one is estimated, since counting a million rows for
    /// every page would cost more than the page.
    public static var exactTotalLimit: Int { 1000 }

    /// A page of `items` cut at `limit` of a list of `total` (an estimate when `totalIsEstimate`), continued
    /// after `next`.
    public init(total: Int, totalIsEstimate: Bool = false, limit: Int, next: PageCursor?, items: [Item]) {
        self.total = total
        self.totalIsEstimate = totalIsEstimate
        self.limit = limit
        self.next = next
        self.items = items
    }

    /// Whether items of the list lie after this page.
    public var isCut: Bool { next != nil }

    /// The same page with each item transformed.
    public func mapItems<Other>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(total: total, totalIsEstimate: totalIsEstimate, limit: limit, next: next, items: try items.map(transform))
    }
}

/// A page is the collection of its items (`count` is theirs; ``Page/total`` is the whole list's).
extension Page: RandomAccessCollection {
    public var startIndex: Int { items.startIndex }
    public var endIndex: Int { items.endIndex }
    public subscript(position: Int) -> Item { items[position] }
}

extension Page: Sendable where Item: Sendable {}
extension Page: Equatable where Item: Equatable {}

extension Page: Encodable where Item: Encodable {
    private enum CodingKeys: String, CodingKey { case total, totalIsEstimate, limit, next, items }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(total, forKey: .total)
        try container.encode(totalIsEstimate, forKey: .totalIsEstimate)
        try container.encode(limit, forKey: .limit)
        try container.encode(next?.token, forKey: .next)
        try container.encode(items, forKey: .items)
    }
}

/// One column of a list's order, for keyset paging: an SQL expression, its type (to read a cursor's value
/// back), and its direction. The keys of a list together name one row: end them with a unique column.
public struct PageKey: Sendable {
    /// The expression as it appears in the query, e.g. `p.reference`. Never NULL.
    public let expression: String
    /// Its SQL type, e.g. `text`, `bigint`, `timestamptz`.
    public let type: String
    /// Whether the list runs from the largest value down.
    public let descending: Bool

    /// A key of `expression` of SQL type `type`, ascending unless `descending`.
    public init(_ expression: String, _ type: String, descending: Bool = false) {
        self.expression = expression
        self.type = type
        self.descending = descending
    }
}

/// Where a page of a list starts: the sort-key values of the last item of the page before, as an opaque token
/// (base64url of a JSON array of texts). Whatever is inserted or removed while someone walks a list, the next
/// page starts right after the item they last saw: none skipped, none twice.
public struct PageCursor: Sendable, Equatable {
    /// The text of each key of the last item seen.
    public let values: [String]

    /// The cursor after an item whose keys are `values`.
    public init(values: [String]) {
        self.values = values
    }

    /// The cursor that `token` names.
    /// - Throws: ``PageCursorError`` when `token` is not one a page gave out.
    public init(token: String) throws(PageCursorError) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.count <= 4096, let data = Data(base64Encoded: base64),
              let values = try? JSONDecoder().decode([String].self, from: data), !values.isEmpty else { throw PageCursorError() }
        self.values = values
    }

    /// The token to hand out: unpadded base64url, safe in a URL and on a command line.
    public var token: String {
        let data = (try? JSONEncoder().encode(values)) ?? Data("[]".utf8)
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// A page cursor that is not one the list gave out (malformed, altered, or from another list).
public struct PageCursorError: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "The page cursor is not one this list gave out; start again from the first page." }
}
