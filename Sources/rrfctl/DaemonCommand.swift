import ArgumentParser
import Foundation
import JobQueue
import Postgres

/// `rrfctl daemon`: the rrfd processes.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "See the rrfd processes working on the database.",
        subcommands: [Status.self]
    )

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Live worker pools with their heartbeat age, and queue depths.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try database.withConnection { connection in
                let workers = try JobAdmin.workers(on: connection)
                let depths = try JobAdmin.depths(on: connection).filter { $0.state == "pending" || $0.state == "running" }
                if output.json {
                    struct Status: Encodable { let workers: [JobAdmin.WorkerStatus]; let queues: [JobAdmin.QueueDepth] }
                    return try printJSON(Status(workers: workers, queues: depths))
                }
                if workers.isEmpty {
                    print("No rrfd is running (no worker pool is registered).")
                } else {
                    var table = TextTable("NAME", "HOST", "PID", "QUEUES", "THREADS", "RUNNING", "HEARTBEAT", "STARTED")
                    for worker in workers {
                        table.add(worker.name, worker.host, "\(worker.pid)", worker.queues.joined(separator: ","), "\(worker.threads)",
                                  "\(worker.runningJobs)", String(format: "%.1fs ago", worker.heartbeatAge), JobsCommand.format(worker.startedAt))
                    }
                    print(table.render())
                }
                print("")
                print(depths.isEmpty ? "No pending or running jobs." : JobsCommand.depthTable(depths))
            }
        }
    }
}
