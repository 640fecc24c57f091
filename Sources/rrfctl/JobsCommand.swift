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

    struct List: ConnectionCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

        @Option(help: ArgumentHelp("Only jobs in this state (pending, running, succeeded, discarded, cancelled).", valueName: "state"))
        var state: String?
        @Option(help: ArgumentHelp("Only jobs of this kind.", valueName: "kind")) var kind: String?
        @Option(help: ArgumentHelp("Only jobs of this queue.", valueName: "queue"), transform: { try codeArgument($0).lowercased() }) var queue: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws {
            if let state, !JobsCommand.states.contains(state) {
                throw ValidationError("unknown state '\(state)'; use one of \(JobsCommand.states.joined(separator: ", "))")
            }
        }

        func perform(on connection: Connection) throws -> Page<JobAdmin.JobSummary> {
            try JobAdmin.list(state: state, kind: kind, queue: queue, limit: page.limit, after: page.after, on: connection)
        }

        func show(_ jobs: Page<JobAdmin.JobSummary>) {
            var table = TextTable("ID", "QUEUE", "KIND", "STATE", "ATTEMPTS", "RUN AT", "FINISHED AT")
            for job in jobs {
                table.add("\(job.id)", job.queue, job.kind, job.state + (job.cancelRequested && job.state == "running" ? " (cancel requested)" : ""),
                          "\(job.attempts)/\(job.maxAttempts)", JobsCommand.format(job.runAt), JobsCommand.format(job.finishedAt))
            }
            print(table.render())
        }
    }

    struct Show: ConnectionCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job with its payload and error history.")

        @Argument(help: "The job id.") var id: Int64
        @OptionGroup var options: ReadOptions

        func perform(on connection: Connection) throws -> JobAdmin.JobDetail {
            guard let detail = try JobAdmin.show(id, on: connection) else { throw JobsCommand.notFound(id) }
            return detail
        }

        func show(_ detail: JobAdmin.JobDetail) {
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

    struct Retry: ConnectionCommand {
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Run a discarded, cancelled or waiting job again now.")

        @Argument(help: "The job id.") var id: Int64
        @OptionGroup var options: ReadOptions

        func perform(on connection: Connection) throws -> Outcome {
            do {
                return try Outcome(id, try JobAdmin.retry(id, on: connection),
                                   notApplicable: "Job \(id) is running or has succeeded; only discarded, cancelled or waiting jobs can be retried.")
            } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation {
                throw StoreError(.conflict, code: "job_unique_key_taken", "Job \(id) cannot run again: another job with the same unique key is pending or running; let it finish, or cancel it with `rrfctl jobs cancel`.", underlying: error)
            }
        }

        func show(_ result: Outcome) { print("Job \(id) will run again now.") }
    }

    struct Cancel: ConnectionCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a pending job, or ask a running one to stop.")

        @Argument(help: "The job id.") var id: Int64
        @OptionGroup var options: ReadOptions

        func perform(on connection: Connection) throws -> Outcome {
            try Outcome(id, try JobAdmin.cancel(id, on: connection), notApplicable: "Job \(id) has already finished; there is nothing to cancel.")
        }

        func show(_ result: Outcome) {
            print(result.outcome == .requested
                ? "Job \(id) is running; it was asked to stop and ends cancelled when its handler notices."
                : "Job \(id) is cancelled.")
        }
    }

    struct Stats: ConnectionCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Queue depths by queue, kind and state.")

        @OptionGroup var options: ReadOptions

        func perform(on connection: Connection) throws -> [JobAdmin.QueueDepth] { try JobAdmin.depths(on: connection) }

        func show(_ depths: [JobAdmin.QueueDepth]) { print(JobsCommand.depthTable(depths)) }
    }

    static func depthTable(_ depths: [JobAdmin.QueueDepth]) -> String {
        var table = TextTable("QUEUE", "KIND", "STATE", "JOBS", "OLDEST RUNNABLE")
        for depth in depths {
            table.add(depth.queue, depth.kind, depth.state, "\(depth.count)", depth.oldestPendingAge.map { String(format: "%.1fs", $0) } ?? "")
        }
        return depths.isEmpty ? "No jobs." : table.render()
    }

    static func notFound(_ id: Int64) -> StoreError {
        StoreError(.notFound, code: "job_not_found", "There is no job \(id); list them with `rrfctl jobs list`.")
    }

    /// What `jobs retry` and `jobs cancel` did to a job: done, or (cancel) asked to stop.
    struct Outcome: Encodable {
        let job: String
        let outcome: JobAdmin.CommandOutcome

        /// The outcome of a command on job `id`, or the refusal when there is no such job or the command does not apply.
        init(_ id: Int64, _ outcome: JobAdmin.CommandOutcome, notApplicable: String) throws {
            switch outcome {
            case .notFound: throw JobsCommand.notFound(id)
            case .notApplicable: throw StoreError(.rejected, code: "job_state", notApplicable)
            case .done, .requested: (job, self.outcome) = ("\(id)", outcome)
            }
        }
    }
}
