/// One page of a list: at most `limit` items from `offset`, and how many the whole list holds.
///
/// Encoded as `{"total": 1234, "offset": 0, "limit": 50, "items": [...]}`, the shape of every paged list that
/// `rrfctl --json` prints (docs/cli-json.md).
public struct Page<Item> {
    /// How many items the whole list holds, whatever the page.
    public let total: Int
    /// How many items the list skipped before this page.
    public let offset: Int
    /// The most items a page holds.
    public let limit: Int
    /// The page's items, in the list's order.
    public let items: [Item]

    /// A page of `items` from `offset` of a list of `total`, cut at `limit`.
    public init(total: Int, offset: Int, limit: Int, items: [Item]) {
        self.total = total
        self.offset = offset
        self.limit = limit
        self.items = items
    }

    /// Whether items of the list lie after this page.
    public var isCut: Bool { offset + items.count < total }

    /// The same page with each item transformed.
    public func mapItems<Other>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(total: total, offset: offset, limit: limit, items: try items.map(transform))
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

extension Page: Encodable where Item: Encodable {}

extension Connection {
    /// Runs `select`, a query for one page of a list, and counts the rows of the whole list in the same query.
    ///
    /// `select` begins with `SELECT ` (this function adds `count(*) OVER ()` to its columns) and ends with
    /// `LIMIT $n OFFSET $n+1`, the two parameters appended to `parameters`. A page past the end of the list has no
    /// row to carry the count, so the query then runs once more for its first row alone.
    public func page<Item>(
        _ select: String, _ parameters: [(any PostgresEncodable)?], limit: Int, offset: Int, _ item: (Row) throws -> Item
    ) throws -> Page<Item> {
        guard select.hasPrefix("SELECT ") else { throw PostgresError(.misuse, "a page query must begin with SELECT") }
        let sql = "SELECT count(*) OVER () AS page_total, " + select.dropFirst("SELECT ".count)
        let rows = try queryPrepared(sql, parameters + [limit, offset]).rows
        let total: Int
        if let first = rows.first {
            total = try first.decode("page_total", as: Int.self)
        } else if offset > 0, let first = try queryPrepared(sql, parameters + [1, 0]).first {
            total = try first.decode("page_total", as: Int.self)
        } else {
            total = 0
        }
        return Page(total: total, offset: offset, limit: limit, items: try rows.map(item))
    }
}
