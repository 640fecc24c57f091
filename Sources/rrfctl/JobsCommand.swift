import ArgumentParser
import Foundation
import JobQueue
import Postgres
import RRFStore

/// `rrfctl jobs`: the daemon's job queue.
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Inspect and steer the daemon's background jobs.",
        subcommands: [List.self, Show.self, Retry.self, Cancel.self, Stats.self]
    )

    static let states = ["pending", "running", "succeeded", "discarded", "cancelled"]

    static func format(_ date: Date?) -> String {
        guard let date else { return "" }
        return ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime])
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")

        @Option(help: ArgumentHelp("Only jobs in this state (pending, running, succeeded, discarded, cancelled).", valueName: "state"))
        var state: String?
        @Option(help: ArgumentHelp("Only jobs of this kind.", valueName: "kind")) var kind: String?
        @Option(help: ArgumentHelp("Only jobs of this queue.", valueName: "queue")) var queue: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let state, !JobsCommand.states.contains(state) {
                throw ValidationError("unknown state '\(state)'; use one of \(JobsCommand.states.joined(separator: ", "))")
            }
            if !(1...1000).contains(page.limit) { throw ValidationError("--limit must be between 1 and 1000") }
            if page.offset < 0 { throw ValidationError("--offset cannot be negative") }
        }

        func run() throws {
            try database.withConnection { connection in
                let jobs = try JobAdmin.list(state: state, kind: kind, queue: queue, limit: page.limit, offset: page.offset, on: connection)
                if output.json { return try printJSON(jobs) }
                var table = TextTable("ID", "QUEUE", "KIND", "STATE", "ATTEMPTS", "RUN AT", "FINISHED AT")
                for job in jobs {
                    table.add("\(job.id)", job.queue, job.kind, job.state + (job.cancelRequested && job.state == "running" ? " (cancel requested)" : ""),
                              "\(job.attempts)/\(job.maxAttempts)", JobsCommand.format(job.runAt), JobsCommand.format(job.finishedAt))
                }
                print(table.render())
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job with its payload and error history.")

        @OptionGroup var target: JobTarget

        func run() throws {
            try target.database.withConnection { connection in
                guard let detail = try JobAdmin.show(target.id, on: connection) else { throw JobsCommand.notFound(target.id) }
                if target.output.json { return try printJSON(detail) }
                let job = detail.job
                print("""
                    job        \(job.id)
                    kind       \(job.kind)
                    queue      \(job.queue)
                    state      \(job.state)\(job.cancelRequested ? " (cancel requested)" : "")
                    attempts   \(job.attempts) of \(job.maxAttempts)
                    priority   \(job.priority)
                    run at     \(JobsCommand.format(job.runAt))
                    created    \(JobsCommand.format(job.createdAt))
                    finished   \(JobsCommand.format(job.finishedAt))
                    unique key \(detail.uniqueKey ?? "")
                    worker     \(job.workerID?.uuidString.lowercased() ?? "")
                    payload    \(detail.payload)
                    """)
                if !detail.errors.isEmpty {
                    var table = TextTable("ATTEMPT", "AT", "ERROR")
                    for error in detail.errors { table.add(error.attempt.map(String.init) ?? "", error.at ?? "", error.error ?? "") }
                    print("\n" + table.render())
                }
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a discarded, cancelled or waiting job again now.")

        @OptionGroup var target: JobTarget

        func run() throws {
            try target.database.withConnection { connection in
                let outcome: JobAdmin.CommandOutcome
                do {
                    outcome = try JobAdmin.retry(target.id, on: connection)
                } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
                    throw StoreError(.conflict, code: "job_unique_key_taken", "Job \(target.id) cannot run again: another job with the same unique key is pending or running; let it finish, or cancel it with `rrfctl jobs cancel`.", underlying: error)
                }
                try JobsCommand.report(outcome, id: target.id, done: "Job \(target.id) will run again now.",
                                       notApplicable: "Job \(target.id) is running or has succeeded; only discarded, cancelled or waiting jobs can be retried.", json: target.output.json)
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a pending job, or ask a running one to stop.")

        @OptionGroup var target: JobTarget

        func run() throws {
            try target.database.withConnection { connection in
                let outcome = try JobAdmin.cancel(target.id, on: connection)
                try JobsCommand.report(outcome, id: target.id, done: "Job \(target.id) is cancelled.",
                                       notApplicable: "Job \(target.id) has already finished; there is nothing to cancel.", json: target.output.json,
                                       requested: "Job \(target.id) is running; it was asked to stop and ends cancelled when its handler notices.")
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue depths by queue, kind and state.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try database.withConnection { connection in
                let depths = try JobAdmin.depths(on: connection)
                if output.json { return try printJSON(depths) }
                print(JobsCommand.depthTable(depths))
            }
        }
    }

    static func depthTable(_ depths: [JobAdmin.QueueDepth]) -> String {
        var table = TextTable("QUEUE", "KIND", "STATE", "JOBS", "OLDEST RUNNABLE")
        for depth in depths {
            table.add(depth.queue, depth.kind, depth.state, "\(depth.count)", depth.oldestPendingAge.map { String(format: "%.1fs", $0) } ?? "")
        }
        return depths.isEmpty ? "No jobs." : table.render()
    }

    /// The arguments of commands about one job.
    struct JobTarget: ParsableArguments {
        @Argument(help: "The job id.") var id: Int64
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions
    }

    static func notFound(_ id: Int64) -> StoreError {
        StoreError(.notFound, code: "job_not_found", "There is no job \(id); list them with `rrfctl jobs list`.")
    }

    static func report(_ outcome: JobAdmin.CommandOutcome, id: Int64, done: String, notApplicable: String, json: Bool, requested: String? = nil) throws {
        switch outcome {
        case .notFound: throw notFound(id)
        case .notApplicable: throw StoreError(.rejected, code: "job_state", notApplicable)
        case .done, .requested:
            if json {
                try printJSON(["job": "\(id)", "outcome": outcome.rawValue])
            } else {
                print(outcome == .requested ? (requested ?? done) : done)
            }
        }
    }
}

extension DatabaseOptions {
    /// Runs `body` with a connection to the configured database, reporting failures like every command.
    func withConnection(_ body: (Connection) throws -> Void) throws {
        try reportingFailures {
            let connection = try Connection(configuration)
            defer { connection.close() }
            try body(connection)
        }
    }
}
