import Foundation
import Postgres
import RRFTestSupport
import Testing

/// `Connection.page`: keyset paging over a real table — no row skipped or seen twice while rows come and go,
/// cursors that are not the list's refused, long lists' totals estimated and flagged.
@Suite struct KeysetPageTests {
    private static let items = "SELECT name, made, n FROM items"

    private static func names(_ connection: Connection, keys: [PageKey], limit: Int, filter: String = "true") throws -> [String] {
        var seen: [String] = []
        var cursor: PageCursor?
        repeat {
            let page = try connection.page(items, where: filter, [], orderedBy: keys, limit: limit, after: cursor) { try $0.decode("name", as: String.self) }
            seen += page.items
            cursor = page.next
        } while cursor != nil
        return seen
    }

    private static func table(_ connection: Connection) throws {
        try connection.execute("CREATE TABLE items (name text PRIMARY KEY, made timestamptz NOT NULL, n integer NOT NULL)")
        try connection.execute("""
            INSERT INTO items SELECT 'item ' || lpad(i::text, 3, '0'), timestamptz '2026-12-01 00:00:00.000001+00' + (i % 4) * interval '1 hour', i % 3
            FROM generate_series(1, 30) i
            """)
    }

    @Test func walkingAListSeesEveryRowOnceInOrder() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            defer { connection.close() }
            try Self.table(connection)
            let byName = try connection.query("SELECT name FROM items ORDER BY name").rows.map { try $0.decode("name", as: String.self) }
            for limit in [1, 7, 30, 100] {
                #expect(try Self.names(connection, keys: [PageKey("name", "text")], limit: limit) == byName)
            }
            // Mixed directions and a timestamp with microseconds, a key that a text round trip must keep exact.
            let mixed = try connection.query("SELECT name FROM items ORDER BY made DESC, n, name").rows.map { try $0.decode("name", as: String.self) }
            let keys = [PageKey("made", "timestamptz", descending: true), PageKey("n", "integer"), PageKey("name", "text")]
            #expect(try Self.names(connection, keys: keys, limit: 4) == mixed)
            let descending = [PageKey("made", "timestamptz", descending: true), PageKey("name", "text", descending: true)]
            let backwards = try connection.query("SELECT name FROM items ORDER BY made DESC, name DESC").rows.map { try $0.decode("name", as: String.self) }
            #expect(try Self.names(connection, keys: descending, limit: 4) == backwards)
            // The filter stays one condition whatever its ORs.
            #expect(try Self.names(connection, keys: [PageKey("name", "text")], limit: 2, filter: "n = 0 OR n = 1").count == 20)
        }
    }

    @Test func rowsInsertedOrRemovedBeforeTheCursorShiftNothing() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            defer { connection.close() }
            try Self.table(connection)
            let keys = [PageKey("name", "text")]
            let first = try connection.page(Self.items, where: "true", [], orderedBy: keys, limit: 10, after: nil) { try $0.decode("name", as: String.self) }
            #expect(first.items.last == "item 010" && first.total == 30 && !first.totalIsEstimate)
            // Meanwhile someone adds rows before the cursor and removes one: the next page still starts right after item 010.
            try connection.execute("INSERT INTO items VALUES ('item 000', now(), 0), ('item 005a', now(), 0)")
            try connection.execute("DELETE FROM items WHERE name = 'item 003'")
            let second = try connection.page(Self.items, where: "true", [], orderedBy: keys, limit: 10, after: first.next) { try $0.decode("name", as: String.self) }
            #expect(second.items == (11...20).map { "item 0\($0)" })
            #expect(second.total == 31)
        }
    }

    @Test func aCursorThatIsNotTheListsIsRefused() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            defer { connection.close() }
            try Self.table(connection)
            let keys = [PageKey("n", "integer"), PageKey("name", "text")]
            func read(_ cursor: PageCursor) throws { _ = try connection.page(Self.items, where: "true", [], orderedBy: keys, limit: 5, after: cursor) { $0 } }
            #expect(throws: PageCursorError.self) { try read(PageCursor(values: ["1"])) }
            #expect(throws: PageCursorError.self) { try read(PageCursor(values: ["one", "item 001"])) }
            #expect(throws: PageCursorError.self) { try read(PageCursor(values: ["99999999999", "item 001"])) }
            // The connection is fine afterwards, and a well-formed cursor reads on.
            try read(PageCursor(values: ["1", "item 001"]))
            for token in ["", "not base64!", Data("{\"a\":1}".utf8).base64EncodedString(), Data("[]".utf8).base64EncodedString(),
                          Data("[1]".utf8).base64EncodedString(), String(repeating: "A", count: 5000)] {
                #expect(throws: PageCursorError.self, "\(token.prefix(40))") { try PageCursor(token: token) }
            }
            let cursor = PageCursor(values: ["ünï/cødé+", "a\"b"])
            #expect(try PageCursor(token: cursor.token) == cursor)
            #expect(cursor.token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
    }

    @Test func aLongListsTotalIsAFlaggedEstimate() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            defer { connection.close() }
            try connection.execute("CREATE TABLE items (name text PRIMARY KEY, made timestamptz NOT NULL DEFAULT now(), n integer NOT NULL)")
            try connection.execute("INSERT INTO items (name, n) SELECT 'item ' || lpad(i::text, 5, '0'), i % 10 FROM generate_series(1, 20000) i")
            try connection.execute("ANALYZE items")
            let keys = [PageKey("name", "text")]
            let all = try connection.page(Self.items, where: "true", [], orderedBy: keys, limit: 50, after: nil) { $0 }
            #expect(all.totalIsEstimate && all.total > 15000 && all.total < 25000, "\(all.total)")
            let filtered = try connection.page(Self.items, where: "n = $1", [3], orderedBy: keys, limit: 50, after: nil) { $0 }
            #expect(filtered.totalIsEstimate && filtered.total > 1000 && filtered.total < 4000, "\(filtered.total)")
            let short = try connection.page(Self.items, where: "n = $1 AND name < 'item 05000'", [3], orderedBy: keys, limit: 50, after: nil) { $0 }
            #expect(!short.totalIsEstimate && short.total == 500)
            let deep = try connection.page(Self.items, where: "true", [], orderedBy: keys, limit: 50, after: PageCursor(values: ["item 19990"])) { $0 }
            #expect(deep.items.count == 10 && deep.next == nil && deep.totalIsEstimate)
        }
    }
}
