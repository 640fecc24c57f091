import Postgres

/// A result that, printed for people, ends with a sentence about what it leaves out: a ``Page`` of a list.
protocol PageNoting {
    /// The sentence to print after the table, or nil when the table shows the whole list.
    var pageNote: String? { get }
}

extension Page: PageNoting {
    /// "50 of 1,234 shown; use --offset 50 for the next page." when the list goes on after this page; nil when
    /// the page is the whole list.
    var pageNote: String? {
        if offset == 0 && items.count == total { return nil }
        if items.isEmpty {
            return "None shown: the list holds \(grouped(total)) and --offset \(offset) skips them all; use a smaller --offset."
        }
        let shown = "\(grouped(items.count)) of \(grouped(total)) shown" + (offset > 0 ? ", from number \(grouped(offset + 1))" : "")
        return isCut ? "\(shown); use --offset \(offset + items.count) for the next page." : "\(shown)."
    }
}

extension Page: HumanReadable where Item: TablePrintable {
    /// The page's items as one table (``PrintingCommand`` adds the ``pageNote``).
    func printForPeople() { Item.printTable(items) }
}

/// `number` with a comma between each group of three digits: `1,234`.
private func grouped(_ number: Int) -> String {
    var digits = Array(String(number.magnitude))
    var index = digits.count - 3
    while index > 0 {
        digits.insert(",", at: index)
        index -= 3
    }
    return (number < 0 ? "-" : "") + String(digits)
}
