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

    struct Status: ConnectionCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Live worker pools with their heartbeat age, and queue depths; exit code 69 when no rrfd is running.")

        @OptionGroup var options: ReadOptions

        /// The live worker pools, and the depths of pending and running jobs.
        struct Report: Encodable {
            let workers: [JobAdmin.WorkerStatus]
            let queues: [JobAdmin.QueueDepth]
        }

        func perform(on connection: Connection) throws -> Report {
            Report(
                workers: try JobAdmin.workers(on: connection),
                queues: try JobAdmin.depths(on: connection).filter { $0.state == "pending" || $0.state == "running" }
            )
        }

        /// No live rrfd is exit code 69 (EX_UNAVAILABLE), so a monitoring check can use the command as it is.
        func conclude(_ report: Report) throws {
            if report.workers.isEmpty { throw ExitCode(69) }
        }

        func show(_ report: Report) {
            if report.workers.isEmpty {
                print("No rrfd is running (no worker pool is registered).")
            } else {
                var table = TextTable("NAME", "HOST", "PID", "QUEUES", "THREADS", "RUNNING", "HEARTBEAT", "STARTED")
                for worker in report.workers {
                    table.add(worker.name, worker.host, "\(worker.pid)", worker.queues.joined(separator: ","), "\(worker.threads)",
                              "\(worker.runningJobs)", String(format: "%.1fs ago", worker.heartbeatAge), JobsCommand.format(worker.startedAt))
                }
                print(table.render())
            }
            print("")
            print(report.queues.isEmpty ? "No pending or running jobs." : JobsCommand.depthTable(report.queues))
        }
    }
}
