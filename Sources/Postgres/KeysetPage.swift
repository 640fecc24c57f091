import Foundation

extension Connection {
    /// Reads one page of a list by keyset: the rows of `select` matching `filter`, in the order of `keys`,
    /// after `cursor`, at most `limit`; and how many the whole list holds (``Page/total``).
    ///
    /// `select` is `SELECT <columns> FROM <tables>` without WHERE, ORDER BY or LIMIT; `filter` is the WHERE
    /// condition over `parameters` (`true` for none). The page reads the rows right after the cursor's keys
    /// through the keys' index instead of counting past the rows before it, so a deep page costs what the first
    /// does. The cursor's values and the limit are appended as the next parameters.
    /// - Throws: ``PageCursorError`` when `cursor` does not fit `keys` (another list's, or altered).
    public func page<Item>(
        _ select: String, where filter: String, _ parameters: [(any PostgresEncodable)?], orderedBy keys: [PageKey],
        limit: Int, after cursor: PageCursor?, _ item: (Row) throws -> Item
    ) throws -> Page<Item> {
        let rows = try keysetRows(select, where: filter, parameters, orderedBy: keys, limit: limit + 1, after: cursor)
        let shown = rows.prefix(limit)
        let next = rows.count > limit ? try shown.last.map { try Self.cursor(of: $0, keys) } : nil
        let total = cursor == nil && next == nil
            ? (count: rows.count, estimated: false)
            : try listTotal(select, where: filter, parameters)
        return Page(total: total.count, totalIsEstimate: total.estimated, limit: limit, next: next, items: try shown.map(item))
    }

    /// The rows of `select` matching `filter` after `cursor` in the order of `keys`, at most `limit` (all when
    /// nil); each row carries its keys' text in the columns `page_key_0`, `page_key_1`, … for ``cursor(of:_:)``.
    /// - Throws: ``PageCursorError`` when `cursor` does not fit `keys`.
    public func keysetRows(
        _ select: String, where filter: String, _ parameters: [(any PostgresEncodable)?], orderedBy keys: [PageKey],
        limit: Int?, after cursor: PageCursor?
    ) throws -> [Row] {
        guard select.hasPrefix("SELECT "), !keys.isEmpty else {
            throw PostgresError(.misuse, "a page query begins with SELECT and has at least one key", query: select)
        }
        if let cursor, cursor.values.count != keys.count { throw PageCursorError() }
        let keyColumns = keys.indices.map { "(\(keys[$0].expression))::text AS page_key_\($0)" }.joined(separator: ", ")
        var values = parameters
        var condition = "(\(filter))"
        if let cursor {
            let placeholders = keys.indices.map { "$\(parameters.count + 1 + $0)::\(keys[$0].type)" }
            condition += " AND (" + Self.after(keys, placeholders) + ")"
            values += cursor.values.map { $0 as (any PostgresEncodable)? }
        }
        var sql = "SELECT \(keyColumns), " + select.dropFirst("SELECT ".count) + " WHERE " + condition
            + " ORDER BY " + keys.map { $0.expression + ($0.descending ? " DESC" : "") }.joined(separator: ", ")
        if let limit {
            values.append(limit)
            sql += " LIMIT $\(values.count)"
        }
        // Planned at every call with the filter's values (an unnamed statement, as the count below): lists filter
        // with `($1 IS NULL OR column = $1)`, which only a plan made for the values can read through an index. A
        // cached statement switches to a generic plan after five runs, and that plan scanned: the proposal list
        // filtered by state and cluster took 133 ms instead of 6 at 100,000 proposals (rrfwebbench, issue 19).
        do {
            return try query(sql, values).rows
        } catch let error as PostgresError where cursor != nil && error.sqlState?.hasPrefix("22") == true {
            // A cursor value that does not read as its key's type (e.g. "yesterday" for a number).
            throw PageCursorError()
        }
    }

    /// The cursor after `row`, read from the key columns ``keysetRows(_:where:_:orderedBy:limit:after:)`` added.
    public static func cursor(of row: Row, _ keys: [PageKey]) throws -> PageCursor {
        PageCursor(values: try keys.indices.map { try row.decode("page_key_\($0)", as: String.self) })
    }

    /// How many rows the list holds: counted up to ``Page/exactTotalLimit``, above that the planner's estimate.
    private func listTotal(
        _ select: String, where filter: String, _ parameters: [(any PostgresEncodable)?]
    ) throws -> (count: Int, estimated: Bool) {
        let list = select + " WHERE " + filter
        let limit = Page<Row>.exactTotalLimit
        let counted = try query(
            "SELECT count(*) AS n FROM (\(list) LIMIT \(limit + 1)) AS page_list", parameters
        ).single().decode("n", as: Int.self)
        guard counted > limit else { return (counted, false) }
        return (max(try plannedRows(list, parameters) ?? counted, counted), true)
    }

    /// The planner's estimate of the rows `list` answers, planned with these parameters' values (an unnamed
    /// statement), so the estimate follows the filter.
    ///
    /// A role the transaction took on (`SET LOCAL ROLE`) is set aside for the EXPLAIN alone: row-level security
    /// conditions that read a setting (`current_setting('rrf.scope')`) are opaque to the planner, which then
    /// guesses 1 % of the table. EXPLAIN reads no row, and the list's own filter already says whose rows it
    /// lists, so the estimate is the list's. The role is taken on again before anything else runs.
    private func plannedRows(_ list: String, _ parameters: [(any PostgresEncodable)?]) throws -> Int? {
        let role = try query("SELECT current_user::text AS acting, session_user::text AS session").single()
        let acting = try role.decode("acting", as: String.self)
        let switched = acting != (try role.decode("session", as: String.self))
        if switched { try query("SELECT set_config('role', 'none', true)") }
        let plan = try query("EXPLAIN (FORMAT JSON) " + list, parameters).single().decode(0, as: String.self)
        if switched { try query("SELECT set_config('role', $1, true)", [acting]) }
        return Self.plannedRows(plan)
    }

    /// The "Plan Rows" of the top node of an `EXPLAIN (FORMAT JSON)` answer.
    private static func plannedRows(_ plan: String) -> Int? {
        guard let nodes = try? JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [[String: Any]],
              let top = nodes.first?["Plan"] as? [String: Any] else { return nil }
        return (top["Plan Rows"] as? NSNumber)?.intValue
    }

    /// The condition "after the cursor" over `keys`: a row comparison when every key runs the same way (which
    /// an index on the keys answers directly), otherwise one term per key.
    private static func after(_ keys: [PageKey], _ placeholders: [String]) -> String {
        if keys.allSatisfy({ $0.descending == keys[0].descending }) {
            let columns = keys.map(\.expression).joined(separator: ", ")
            return "(\(columns)) \(keys[0].descending ? "<" : ">") (\(placeholders.joined(separator: ", ")))"
        }
        return keys.indices.map { index in
            let equal = (0..<index).map { "\(keys[$0].expression) = \(placeholders[$0])" }
            let beyond = "\(keys[index].expression) \(keys[index].descending ? "<" : ">") \(placeholders[index])"
            return "(" + (equal + [beyond]).joined(separator: " AND ") + ")"
        }.joined(separator: " OR ")
    }
}
