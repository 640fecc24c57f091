import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `rrfctl review`: assignments, scores, recusals and imports of peer reviews.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Assign reviewers, submit or import scores, recuse, reassign, list and show peer reviews.",
        subcommands: [Assign.self, Recuse.self, Reassign.self, Submit.self, Import.self, Aggregate.self, List.self, Show.self]
    )

    struct Assign: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "assign",
            abstract: "Assign a committee member to a proposal in review, or --auto up to the quorum (secretariat).",
            discussion: "--auto picks the members with the fewest open assignments first (then by login), never one affiliated or in conflict with the organisation."
        )
        @Argument(help: "The proposal's reference.") var reference: String
        @Option(help: "The reviewer's login.", transform: loginArgument) var reviewer: String?
        @Flag(help: "Assign committee members automatically until the quorum is reached.") var auto = false
        @OptionGroup var options: ChangeOptions

        func validate() throws {
            if (reviewer == nil) == !auto { throw ValidationError("Give either --reviewer <login> or --auto.") }
        }

        func perform(_ store: FundStore, as login: String) throws -> [ReviewRecord] {
            if let reviewer { return [try store.assignReviewer(reference, reviewer: reviewer, as: login)] }
            return try store.assignReviewersAutomatically(reference, as: login)
        }

        func show(_ records: [ReviewRecord]) {
            if records.isEmpty { print("The panel of \(reference.uppercased()) already has enough reviewers; nobody was assigned.") }
            ReviewRecord.printTable(records)
        }
    }

    struct Recuse: StoreChange {
        static let configuration = CommandConfiguration(commandName: "recuse", abstract: "Step aside from a review, with a reason (the reviewer, or the secretariat for them).")
        @Argument(help: "The proposal's reference.") var reference: String
        @Option(help: "The reviewer's login (default: you).", transform: loginArgument) var reviewer: String?
        @Option(parsing: .unconditional, help: "Why.") var reason: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReviewRecord {
            try store.recuseReview(reference, reviewer: reviewer, reason: reason, as: login)
        }
    }

    struct Reassign: StoreChange {
        static let configuration = CommandConfiguration(commandName: "reassign", abstract: "Hand a review over from one member to another (the committee's chair or the secretariat).")
        @Argument(help: "The proposal's reference.") var reference: String
        @Option(help: "The current reviewer's login.", transform: loginArgument) var from: String
        @Option(help: "The new reviewer's login.", transform: loginArgument) var to: String
        @Option(parsing: .unconditional, help: "Why.") var reason: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReviewRecord {
            try store.reassignReview(reference, from: from, to: to, reason: reason, as: login)
        }
    }

    struct Submit: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Submit a review's scores (the reviewer, or the secretariat with --reviewer on their behalf).",
            discussion: "Example: rrfctl review submit RRF-2026-0042 --score relevance=4 --score feasibility=3 --score value_for_money=4 --score capacity=2 --comments \"Thin staffing plan.\" --as rita"
        )
        @Argument(help: "The proposal's reference.") var reference: String
        @Option(name: .customLong("score"), help: "criterion=value (repeat for every criterion).") var scores: [String] = []
        @Option(name: .customLong("comment"), parsing: .unconditionalSingleValue, help: "criterion=text, a comment on one criterion (repeat).") var criterionComments: [String] = []
        @Option(parsing: .unconditional, help: "General comments (required for low scores without their own comment).") var comments: String?
        @Option(help: "The reviewer's login when the secretariat enters the scores for them.", transform: loginArgument) var reviewer: String?
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReviewRecord {
            var values: [String: Int] = [:]
            for (key, text) in try pairs(scores, option: "--score", example: "relevance=4") {
                guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    throw StoreError(.rejected, code: "score_not_a_number", "The score \"\(text)\" for \(key) is not a whole number; write it like --score \(key)=4.")
                }
                values[key] = value
            }
            let input = ReviewScoresInput(
                scores: values, comments: comments,
                criterionComments: try pairs(criterionComments, option: "--comment", example: "capacity=Thin staffing plan")
            )
            return try store.submitReview(reference, reviewer: reviewer, input, as: login)
        }
    }

    struct Import: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import reviews entered by the secretariat from a CSV file: all rows or none.",
            discussion: """
                The file is CSV (UTF-8, comma-separated; a field holding commas, quotes or line breaks goes in double \
                quotes, a quote in it doubled). Its first line names the columns, in any order:
                  reference              the proposal's reference
                  reviewer               the reviewer's login (also named reviewer login,
                                         reviewer_login or login)
                  <criterion id>         one per criterion of the call's scorecard: a
                                         whole-number score
                  comments               optional: the review's comments
                Then one line per review. Example (reviews.csv):
                  reference,reviewer,relevance,capacity,comments
                  RRF-2026-0001,amina,4,3,"Clear plan, thin staffing"
                A sheet not in this format (bad CSV, a missing column, a score that is not a number, a row with the \
                wrong number of fields) is refused with exit code 65 and every problem by line; rows the fund's rules \
                refuse (an unknown proposal, a reviewer not on the panel, a score out of range) with exit code 3. \
                Either way nothing is imported.
                """
        )
        @Argument(help: "The CSV file (- reads standard input; its format is below).") var file: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReviewImportReport {
            let text = try readSheet(file, holding: "a header line and one line per review", problems: ReviewImportSheet.formatProblems)
            return try store.importReviews(csv: text, as: login)
        }

        func show(_ report: ReviewImportReport) {
            print("Imported \(report.reviews.count) review(s).")
            ReviewRecord.printTable(report.reviews)
        }
    }

    struct Aggregate: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "aggregate",
            abstract: "Aggregate a proposal's reviews and mark it scored if its panel is complete (secretariat; the daemon does it too)."
        )
        @Argument(help: "The proposal's reference.") var reference: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReviewAggregateRecord? { try store.aggregateReviews(reference, as: login) }

        func show(_ aggregate: ReviewAggregateRecord?) {
            guard let aggregate else {
                return print("The panel of \(reference.uppercased()) is not complete yet (quorum not reached, or reviews pending before the deadline).")
            }
            let result = aggregate.aggregation
            print("\(aggregate.reference) round \(aggregate.round): mean \(result.mean), std deviation \(result.standardDeviation), \(result.passes ? "passes" : "fails")\(result.isDivergent ? ", divergent (spread \(result.spread))" : "").")
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List reviews, with filters.")
        @Option(help: "Only the reviews of this proposal.") var reference: String?
        @Option(help: "Only this reviewer's reviews.", transform: loginArgument) var reviewer: String?
        @Option(help: "Only reviews in this state (assigned, submitted, recused), or overdue ones (assigned, past due).") var state: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws {
            try requireOneOf(state, ReviewFilter.states, option: "--state")
        }

        func perform(_ store: FundStore) throws -> Page<ReviewRecord> {
            try store.reviews(ReviewFilter(reference: reference, reviewer: reviewer, state: state, limit: page.limit, after: page.after))
        }
    }

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the peer review of a proposal's current round: panel, progress, aggregate.")
        @Argument(help: "The proposal's reference.") var reference: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> ProposalReviewsRecord { try store.proposalReviews(reference) }

        func show(_ record: ProposalReviewsRecord) {
            let progress = record.progress
            printFields([
                ("Proposal", record.reference), ("State", record.state), ("Round", "\(record.round)"), ("Committee", record.committee ?? "none"),
                ("Quorum", "\(record.quorum)"), ("Review deadline", ISO8601DateFormatter().string(from: record.reviewDeadline)),
                ("Progress", "\(progress.submitted) submitted, \(progress.pending) pending, \(progress.recused) recused or conflicted"),
                ("Mean", record.aggregate.map { "\($0.aggregation.mean)" }),
                ("Std deviation", record.aggregate.map { "\($0.aggregation.standardDeviation)" }),
                ("Divergent", record.aggregate.map { $0.aggregation.isDivergent ? "yes (spread \($0.aggregation.spread))" : "no" }),
                ("Passes", record.aggregate.map { $0.aggregation.passes ? "yes" : "no" }),
            ])
            print("")
            ReviewRecord.printTable(record.reviews)
        }
    }
}

extension ReviewRecord: HumanReadable, TablePrintable {
    /// Reviews as a table; nothing when there are none.
    static func printTable(_ records: [ReviewRecord]) {
        guard !records.isEmpty else { return }
        let formatter = ISO8601DateFormatter()
        var table = TextTable("REFERENCE", "ROUND", "REVIEWER", "STATE", "DUE", "OVERDUE", "TOTAL", "ENTERED BY", "NOTE")
        for record in records {
            let note = record.conflictedAt != nil ? "conflict declared, does not count" : (record.recusalReason ?? "")
            let scores = record.scores.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } ?? ""
            table.add(
                record.reference, "\(record.round)", record.reviewer, record.state, formatter.string(from: record.dueAt), record.overdue ? "yes" : "",
                record.total.map(\.description) ?? scores, record.enteredBy.map { $0 == record.reviewer ? "reviewer" : $0 } ?? "", note
            )
        }
        print(table.render())
    }
}

/// `key=value` options split into key → value.
private func pairs(_ options: [String], option: String, example: String) throws -> [String: String] {
    var result: [String: String] = [:]
    for text in options {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError(.rejected, code: "option_format", "\(option) \"\(text)\" is not key=value; write it like \(example).")
        }
        result[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1]
    }
    return result
}
