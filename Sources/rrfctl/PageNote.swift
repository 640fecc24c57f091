import Postgres

/// A result that, printed for people, ends with a sentence about what it leaves out: a ``Page`` of a list.
protocol PageNoting {
    /// The sentence to print after the table, or nil when the table shows the whole list.
    var pageNote: String? { get }
}

extension Page: PageNoting {
    /// "50 of 1,234 shown; use --after WyJQLTAwNTAiXQ for the next page." when the list goes on after this page
    /// ("of about 1,000,000" when the total is an estimate); nil when the page is the whole list.
    var pageNote: String? {
        let total = (totalIsEstimate ? "about " : "") + grouped(total)
        if let next { return "\(grouped(items.count)) of \(total) shown; use --after \(next.token) for the next page." }
        if items.count == self.total && !totalIsEstimate { return nil }
        return items.isEmpty ? "None shown: the list of \(total) ends before this cursor." : "\(grouped(items.count)) of \(total) shown, the last of the list."
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
