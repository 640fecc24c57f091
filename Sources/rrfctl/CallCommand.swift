import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `rrfctl call`: calls (allocations) and their envelopes.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Create, edit, open, close, decide, archive and list calls (allocations).",
        subcommands: [
            Create.self, Edit.self, Delete.self, Envelopes.self, Open.self, ScheduleOpen.self, Close.self, Decide.self, Archive.self,
            List.self, Show.self, Ranking.self,
        ]
    )

    /// A call as written in a JSON or YAML file (`call create --file`).
    struct File: Decodable {
        var code: String
        var title: String
        var kind: String?
        var currency: String
        var ceiling: String
        var submissionDeadline: String
        var reviewDeadline: String
        var decisionSLAHours: Int?
        var decisionSLADays: Int?
        var envelopes: [String: String]
        var scorecard: Scorecard?
        var quorum: Int?
        var divergenceSpread: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case code, title, kind, currency, ceiling, envelopes, scorecard, quorum
            case submissionDeadline = "submission_deadline"
            case reviewDeadline = "review_deadline"
            case decisionSLAHours = "decision_sla_hours"
            case decisionSLADays = "decision_sla_days"
            case divergenceSpread = "divergence_spread"
        }

        /// The keys of a call file: the envelopes' keys are clusters, the scorecard's those of a scorecard file.
        static let shape = DocumentShape.scalars(
            CodingKeys.allCases.map(\.stringValue), nested: ["envelopes": .entries(.value), "scorecard": Scorecard.documentShape]
        )

        /// The format of a call file, for `call create --help`.
        static let format = """
            The --file (JSON; YAML when it ends in .yaml or .yml) holds:
              code, title            text
              kind                   optional: standard (default) or reserve
              currency               an ISO 4217 code, e.g. USD
              ceiling                the most a proposal may request, e.g. "50000 USD"
              submission_deadline    an RFC 3339 time, or a date (its end, UTC)
              review_deadline        the same
              decision_sla_hours     optional: business hours to decide (default 72
                                     for reserve calls)
              decision_sla_days      optional: business days to decide (default 10
                                     for standard calls)
              envelopes              a mapping cluster: amount, one per funded cluster
              scorecard              optional: as a --scorecard file (default: the
                                     fund's standard scorecard)
              quorum                 optional: reviews that complete a panel (default 3)
              divergence_spread      optional: the points between reviews' totals
                                     flagged divergent (default 25)
            Example (call.yaml):
              code: SA-2026-1
              title: Floods in the north
              currency: USD
              ceiling: 50000 USD
              submission_deadline: 2026-12-15
              review_deadline: 2026-12-30T17:00:00Z
              envelopes: {health: 200000 USD, wash: 150000 USD}
            """
    }

    struct Create: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a draft call from options or from a JSON/YAML file (secretariat).",
            discussion: """
                Example: rrfctl call create SA-2026-1 --title "Floods" --currency USD --ceiling "50000 USD" \
                --submission-deadline 2026-12-15 --review-deadline 2026-12-30 --envelope "health=200000 USD" --as sec

                \(File.format)

                \(scorecardFormat)

                A file not in its format (an unknown or missing field, a wrong type) is refused with exit code 65, \
                naming the file, the field and, for YAML, the line.
                """
        )
        @Argument(help: "Short unique code, e.g. SA-2026-1 (omit with --file).") var code: String?
        @Option(help: "Read the whole call from this JSON or YAML file (its format is below).") var file: String?
        @Option(help: "Title.") var title: String?
        @Option(help: "standard or reserve.") var kind = "standard"
        @Option(help: "ISO 4217 currency code of the call.") var currency: String?
        @Option(help: "Most a proposal may request, e.g. \"50000 USD\".") var ceiling: String?
        @Option(help: "Proposals are accepted until this time: 2026-12-15T17:00:00Z, or 2026-12-15 for the whole day (until 23:59:59 UTC).") var submissionDeadline: String?
        @Option(help: "Reviews are due by this time (a bare date: the end of that day, UTC).") var reviewDeadline: String?
        @Option(help: "Decision SLA in business hours (default 72 for reserve calls).") var decisionSlaHours: Int?
        @Option(help: "Decision SLA in business days (default 10 for standard calls).") var decisionSlaDays: Int?
        @Option(name: .customLong("envelope"), help: "cluster=amount, e.g. \"health=200000 USD\" (repeat).") var envelopes: [String] = []
        @Option(help: "Scorecard JSON or YAML file (its format is below).") var scorecard: String?
        @OptionGroup var options: ChangeOptions

        func validate() throws {
            if file == nil, [code, title, currency, ceiling, submissionDeadline, reviewDeadline].contains(nil) {
                throw ValidationError("Give the call's code, --title, --currency, --ceiling, --submission-deadline and --review-deadline, or --file.")
            }
        }

        func perform(_ store: FundStore, as login: String) throws -> CallRecord {
            // validate() made sure that without --file every option the call needs is given.
            let definition = try file.map { try decodeFile($0, as: File.self, shape: File.shape) } ?? File(
                code: code ?? "", title: title ?? "", kind: kind, currency: currency ?? "", ceiling: ceiling ?? "",
                submissionDeadline: submissionDeadline ?? "", reviewDeadline: reviewDeadline ?? "", decisionSLAHours: decisionSlaHours,
                decisionSLADays: decisionSlaDays, envelopes: try envelopePairs(envelopes),
                scorecard: try scorecard.map { try decodeFile($0, as: Scorecard.self, shape: Scorecard.documentShape) }, quorum: nil, divergenceSpread: nil
            )
            return try store.createCall(code: definition.code, configuration: try configuration(definition), as: login)
        }

        private func configuration(_ file: File) throws -> CallConfiguration {
            let kind = try callKind(file.kind ?? "standard")
            let sla = decisionSLA(hours: file.decisionSLAHours, days: file.decisionSLADays) ?? (kind == .reserve ? .reserveCall : .businessDays(10))
            return CallConfiguration(
                title: file.title, kind: kind, currency: try callCurrency(file.currency), envelopes: try envelopeAmounts(file.envelopes),
                perProposalCeiling: try money(file.ceiling, field: "ceiling"),
                submissionDeadline: try instant(file.submissionDeadline, option: "The submission deadline", bareDate: .endOfDay),
                reviewDeadline: try instant(file.reviewDeadline, option: "The review deadline", bareDate: .endOfDay),
                decisionSLA: sla, scorecard: file.scorecard ?? CallDefaults.scorecard,
                quorum: file.quorum ?? 3, divergenceSpread: file.divergenceSpread ?? 25
            )
        }
    }

    struct Envelopes: StoreChange {
        static let configuration = CommandConfiguration(commandName: "envelopes", abstract: "Set the envelope of each funded cluster of a draft call (secretariat).")
        @Argument(help: "The call's code.") var code: String
        @Option(name: .customLong("envelope"), help: "cluster=amount, e.g. \"wash=150000 USD\" (repeat; clusters not named are removed).")
        var envelopes: [String] = []
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CallRecord {
            try store.setCallEnvelopes(code, try envelopeAmounts(envelopePairs(envelopes)), expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Open: StoreChange {
        static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a draft call for submissions (secretariat).")
        @Argument(help: "The call's code.") var code: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CallRecord {
            try store.openCall(code, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct ScheduleOpen: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "schedule-open",
            abstract: "Have the daemon open a draft call at a given time (secretariat).",
            discussion: "Example: rrfctl call schedule-open SA-2026-1 --at 2026-12-01T06:00:00Z --as sec"
        )
        @Argument(help: "The call's code.") var code: String
        @Option(help: ArgumentHelp("When to open it: 2026-12-01T06:00:00Z, or a date (midnight UTC).", valueName: "time")) var at: String
        @OptionGroup var options: ChangeOptions

        /// The call, with when the daemon opens it.
        func perform(_ store: FundStore, as login: String) throws -> Annotated<CallRecord, Date> {
            let time = try instant(at, option: "The opening time")
            return Annotated(value: try store.scheduleCallOpening(code, at: time, as: login), note: time)
        }

        func show(_ scheduled: Annotated<CallRecord, Date>) {
            scheduled.value.printForPeople()
            print("\nThe daemon (rrfd) opens it at \(ISO8601DateFormatter().string(from: scheduled.note)).")
        }
    }

    struct Close: StoreChange {
        static let configuration = CommandConfiguration(commandName: "close", abstract: "Close an open call (secretariat).")
        @Argument(help: "The call's code.") var code: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CallRecord {
            try store.closeCall(code, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List calls.")
        @Option(help: "Only calls in this state (draft, open, closed, decided, archived).") var state: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws { try requireOneOf(state, names(CallMachine.State.Name.self), option: "--state") }

        func perform(_ store: FundStore) throws -> Page<CallRecord> { try store.calls(state: state, limit: page.limit, after: page.after) }

        func show(_ records: Page<CallRecord>) {
            var table = TextTable("CODE", "TITLE", "KIND", "STATE", "SUBMISSION DEADLINE", "ENVELOPE", "COMMITTED")
            for record in records {
                let currency = record.configuration.currency
                let total = record.envelopes.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
                let committed = record.envelopes.reduce(Int64(0)) { $0 + $1.committed.minorUnits }
                table.add(
                    record.code, record.configuration.title, record.configuration.kind.rawValue, record.state,
                    ISO8601DateFormatter().string(from: record.configuration.submissionDeadline),
                    Money(minorUnits: total, currency: currency).grouped, Money(minorUnits: committed, currency: currency).grouped
                )
            }
            print(table.render())
        }
    }

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one call with its envelopes.")
        @Argument(help: "The call's code.") var code: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> CallRecord { try store.call(code) }
    }
}

/// The format of a scorecard file, for the help of the commands that read one.
let scorecardFormat = """
    The --scorecard file (JSON; YAML when it ends in .yaml or .yml) holds:
      criteria               the criteria in display order, each with:
        id                   a short stable identifier, e.g. relevance
        title                the question reviewers answer
        weight               percent; the weights add up to 100
        maxScore             the highest score (scores run from 0 to it)
      passThreshold          the weighted total (0 to 100) needed to pass
      commentFloorPercent    optional: scores below this percentage of a
                             criterion's maximum need a comment (default \(Scorecard.defaultCommentFloorPercent);
                             0 turns the rule off)
    Example (scorecard.yaml):
      criteria:
        - {id: relevance, title: Relevance to the needs, weight: 60, maxScore: 5}
        - {id: capacity, title: Capacity of the partner, weight: 40, maxScore: 5}
      passThreshold: 60
    """

/// `standard` or `reserve`, as typed.
func callKind(_ text: String) throws -> CallKind {
    guard let kind = CallKind(rawValue: text.lowercased()) else {
        throw StoreError(.rejected, code: "call_kind_invalid", "\"\(text)\" is not a kind of call; use standard or reserve.")
    }
    return kind
}

/// An ISO 4217 code, as typed.
func callCurrency(_ code: String) throws -> Currency {
    try parsed { () throws(WorkflowRejection) in try Currency(code: code) }
}

/// The decision SLA given in business hours or days (hours win), or nil when neither is given.
func decisionSLA(hours: Int?, days: Int?) -> DecisionSLA? {
    if let hours { .businessHours(hours) } else if let days { .businessDays(days) } else { nil }
}

/// `--envelope cluster=amount` options split into cluster → amount text.
func envelopePairs(_ options: [String]) throws -> [String: String] {
    var pairs: [String: String] = [:]
    for option in options {
        let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw StoreError(.rejected, code: "envelope_format", "\"\(option)\" is not an envelope; write it like health=200000 USD.")
        }
        pairs[parts[0]] = parts[1]
    }
    return pairs
}

/// `cluster → "amount CUR"` parsed into money per cluster.
func envelopeAmounts(_ pairs: [String: String]) throws -> [Cluster: Money] {
    var result: [Cluster: Money] = [:]
    for (cluster, amount) in pairs {
        let key = try parsed { () throws(WorkflowRejection) in try Cluster(code: cluster.trimmingCharacters(in: .whitespaces).lowercased()) }
        result[key] = try money(amount, field: "the envelope of \(key.rawValue)")
    }
    return result
}

extension CallRecord: HumanReadable {
    /// The call's fields and its envelope table.
    func printForPeople() {
        let sla = switch configuration.decisionSLA {
        case .businessHours(let hours): "\(hours) business hours"
        case .businessDays(let days): "\(days) business days"
        }
        let formatter = ISO8601DateFormatter()
        printFields([
            ("Code", code), ("Title", configuration.title), ("Kind", configuration.kind.rawValue), ("State", state),
            ("Currency", configuration.currency.code), ("Ceiling", configuration.perProposalCeiling.grouped),
            ("Submission deadline", formatter.string(from: configuration.submissionDeadline)),
            ("Review deadline", formatter.string(from: configuration.reviewDeadline)), ("Decision SLA", sla),
            ("Version", "\(version)"),
        ])
        var table = TextTable("CLUSTER", "ENVELOPE", "COMMITTED", "UNCOMMITTED")
        for envelope in envelopes {
            table.add(envelope.cluster.rawValue, envelope.amount.grouped, envelope.committed.grouped, envelope.uncommitted.grouped)
        }
        print("")
        print(table.render())
    }
}
