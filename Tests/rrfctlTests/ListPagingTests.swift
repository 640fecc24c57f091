import Foundation
import RRFTestSupport
import Testing

/// Every list that takes `--limit`/`--offset` says when it is cut, and its `--json` page carries the whole list's
/// total (issue 17 item 3).
@Suite(.serialized) struct ListPagingTests {
    /// Every list read a page at a time, as run on the demo fund.
    static let pagedLists: [[String]] = [
        ["org", "list"], ["user", "list"], ["call", "list"], ["proposal", "list"], ["review", "list"], ["grant", "list"],
        ["training", "session", "list"], ["training", "certificate", "list", "--all"], ["audit", "refusals"], ["jobs", "list"],
    ]

    /// The `--json` page of a list: its total, offset, limit and items.
    struct JSONPage: Decodable {
        let total: Int
        let offset: Int
        let limit: Int
        let items: [[String: JSONScalar]]
    }

    /// Any JSON value, decoded only to be counted.
    struct JSONScalar: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    @Test func everyPagedListIsListedHere() throws {
        let paged = try JSONOutputTests.leafHelp().filter { $0.value.contains("--limit") && $0.value.contains("--offset") }.keys
        let listed = Set(Self.pagedLists.map(JSONOutputTests.path))
        for path in paged {
            #expect(listed.contains(path), "rrfctl \(path.joined(separator: " ")) takes --limit and --offset: add it to ListPagingTests.pagedLists")
        }
    }

    @Test func aListCutAtItsLimitSaysSoAndItsJSONCarriesTheTotal() throws {
        try withDemoFund { db in
            let cli = CLI(db)
            var cut = 0
            for command in Self.pagedLists {
                let line = "rrfctl " + command.joined(separator: " ")
                let whole = try page(cli, command + ["--limit", "1000"])
                #expect(whole.total == whole.items.count && whole.offset == 0 && whole.limit == 1000, "\(line): \(whole.total) in all, \(whole.items.count) shown")
                // The whole list in one page says nothing after its table.
                let table = try run(cli, command + ["--limit", "1000"])
                #expect(!table.contains(" shown"), "\(line) --limit 1000 shows the whole list, yet says: \(table.suffix(200))")
                guard whole.total >= 3 else { continue }
                cut += 1
                let first = try page(cli, command + ["--limit", "1"])
                #expect(first.total == whole.total && first.items.count == 1 && first.offset == 0 && first.limit == 1, "\(line) --limit 1")
                #expect(
                    try lastLine(run(cli, command + ["--limit", "1"])) == "1 of \(whole.total) shown; use --offset 1 for the next page.",
                    "\(line) --limit 1 does not say it is cut"
                )
                let middle = try page(cli, command + ["--limit", "1", "--offset", "1"])
                #expect(middle.total == whole.total && middle.items.count == 1 && middle.offset == 1, "\(line) --offset 1")
                #expect(
                    try lastLine(run(cli, command + ["--limit", "1", "--offset", "1"]))
                        == "1 of \(whole.total) shown, from number 2; use --offset 2 for the next page.",
                    "\(line) --offset 1 does not say where it starts"
                )
                let last = try lastLine(run(cli, command + ["--offset", "\(whole.total - 1)"]))
                #expect(last == "1 of \(whole.total) shown, from number \(whole.total).", "\(line): the last page says \(last)")
                // Past the end: no row, yet the total is still the whole list's.
                let beyond = try page(cli, command + ["--offset", "\(whole.total)"])
                #expect(beyond.total == whole.total && beyond.items.isEmpty, "\(line) past its end: total \(beyond.total)")
                #expect(
                    try lastLine(run(cli, command + ["--offset", "\(whole.total)"]))
                        == "None shown: the list holds \(whole.total) and --offset \(whole.total) skips them all; use a smaller --offset.",
                    "\(line) past its end"
                )
            }
            #expect(cut >= 5, "the demo fund gives only \(cut) lists long enough to cut")
        }
    }

    /// The JSON page `command` prints.
    private func page(_ cli: CLI, _ command: [String]) throws -> JSONPage {
        let output = try run(cli, command + ["--json"])
        return try JSONDecoder().decode(JSONPage.self, from: Data(output.utf8))
    }

    /// What `command` prints, run as the demo's reader of it; it must succeed.
    private func run(_ cli: CLI, _ command: [String]) throws -> String {
        let outcome = cli.finish(try cli.start(command, actor: JSONOutputTests.reader(command)))
        #expect(outcome.status == 0, "rrfctl \(command.joined(separator: " ")) failed: \(outcome.stderr)")
        return outcome.stdout
    }

    private func lastLine(_ text: String) -> String {
        String(text.split(separator: "\n").last ?? "")
    }
}
