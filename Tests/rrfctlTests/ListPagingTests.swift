import Foundation
import RRFTestSupport
import Testing

/// Every list that takes `--limit`/`--after` says when it is cut and where the next page starts, walks from
/// page to page without skipping or repeating a row, and its `--json` page carries the whole list's total
/// (issue 17 item 3, issue 19: keyset paging).
@Suite(.serialized) struct ListPagingTests {
    /// Every list read a page at a time, as run on the demo fund.
    static let pagedLists: [[String]] = [
        ["org", "list"], ["user", "list"], ["call", "list"], ["proposal", "list"], ["review", "list"], ["grant", "list"],
        ["training", "session", "list"], ["training", "certificate", "list", "--all"], ["audit", "refusals"], ["jobs", "list"],
    ]

    @Test func everyPagedListIsListedHere() throws {
        let paged = try JSONOutputTests.leafHelp().filter { $0.value.contains("--limit") && $0.value.contains("--after") }.keys
        let listed = Set(Self.pagedLists.map(JSONOutputTests.path))
        for path in paged {
            #expect(listed.contains(path), "rrfctl \(path.joined(separator: " ")) takes --limit and --after: add it to ListPagingTests.pagedLists")
        }
    }

    @Test func aListCutAtItsLimitSaysWhereTheNextPageStarts() throws {
        try withDemoFund { db in
            let cli = CLI(db)
            var cut = 0
            for command in Self.pagedLists {
                let line = "rrfctl " + command.joined(separator: " ")
                let whole = try page(cli, command + ["--limit", "1000"])
                #expect(whole.total == whole.items.count && whole.next == nil && !whole.estimated && whole.limit == 1000, "\(line): \(whole.total) in all, \(whole.items.count) shown")
                // The whole list in one page says nothing after its table.
                let table = try run(cli, command + ["--limit", "1000"])
                #expect(!table.contains(" shown"), "\(line) --limit 1000 shows the whole list, yet says: \(table.suffix(200))")
                guard whole.total >= 3 else { continue }
                cut += 1
                // One row a page, from cursor to cursor: every row once, in the whole list's order.
                var walked: [Any] = []
                var after: [String] = []
                for number in 1...whole.total {
                    let current = try page(cli, command + ["--limit", "1"] + after)
                    #expect(current.total == whole.total && current.items.count == 1 && current.limit == 1, "\(line) page \(number)")
                    walked += current.items
                    let note = try lastLine(run(cli, command + ["--limit", "1"] + after))
                    if let next = current.next {
                        #expect(note == "1 of \(whole.total) shown; use --after \(next) for the next page.", "\(line) page \(number) says \(note)")
                        after = ["--after", next]
                    } else {
                        #expect(number == whole.total, "\(line) ends after \(number) of \(whole.total) pages")
                        #expect(note == "1 of \(whole.total) shown, the last of the list.", "\(line): the last page says \(note)")
                        break
                    }
                }
                #expect(NSArray(array: walked) == NSArray(array: whole.items), "\(line): walking page by page differs from the whole list")
            }
            #expect(cut >= 5, "the demo fund gives only \(cut) lists long enough to cut")
        }
    }

    @Test func aCursorThatIsNotTheListsIsRefused() throws {
        try withDemoFund { db in
            let cli = CLI(db)
            let command = ["proposal", "list"]
            let malformed = cli.finish(try cli.start(command + ["--after", "no such cursor"], actor: JSONOutputTests.reader(command)))
            #expect(malformed.status == 64 && malformed.stderr.contains("--after"), "\(malformed.stderr)")
            // Three keys for a list of one ("a", "b", "c"), and a word for a job's number: both lists refuse them.
            for (list, token) in [(["proposal", "list"], "WyJhIiwiYiIsImMiXQ"), (["jobs", "list"], "WyJhIiwiYiIsImMiXQ"), (["jobs", "list"], "WyJ4Il0")] {
                let refused = cli.finish(try cli.start(list + ["--after", token], actor: JSONOutputTests.reader(list)))
                #expect(refused.status == 64 && refused.stderr.contains("without --after"), "\(list): \(refused.status) \(refused.stderr)")
            }
        }
    }

    /// The `--json` page of a list: its total, whether that is an estimate, limit, next cursor and items.
    struct JSONPage {
        let total: Int
        let estimated: Bool
        let limit: Int
        let next: String?
        let items: [Any]
    }

    /// The JSON page `command` prints.
    private func page(_ cli: CLI, _ command: [String]) throws -> JSONPage {
        let output = try run(cli, command + ["--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output.prefix(200))")
        return JSONPage(
            total: try #require(object["total"] as? Int), estimated: try #require(object["totalIsEstimate"] as? Bool),
            limit: try #require(object["limit"] as? Int), next: object["next"] as? String, items: try #require(object["items"] as? [Any])
        )
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
