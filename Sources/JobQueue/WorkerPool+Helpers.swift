import Foundation
import Logging
import Postgres

/// The pool's helper threads: the listener (wakes idle workers), maintenance (heartbeat, lost jobs, leadership and
/// the leader's housekeeping) and the supervisor (graceful shutdown).
extension WorkerPool {
    func listenerLoop() {
        var connection: Connection?
        while !isStopping {
            do {
                if connection == nil {
                    let fresh = try connect("listener")
                    try fresh.listen(Self.channel)
                    connection = fresh
                    wake(configuration.workers)  // notifications may have been missed meanwhile
                }
                guard let live = connection else { continue }
                wake(try live.waitForNotifications(timeout: .milliseconds(200)).count)
            } catch {
                logger.error("listener error; workers poll meanwhile", metadata: ["error": "\(error)"])
                connection?.close()
                connection = nil
                pause(until: Date() + withMachine { $0.settings.errorPause.seconds })
            }
        }
        connection?.close()
        signal { $0.helperExited() }
    }

    func maintenanceLoop() {
        var connection: Connection?
        rounds: while true {
            switch withMachine({ $0.maintenanceDue(at: Date()) }) {
            case .stop(let releaseLeadership):
                if releaseLeadership { _ = try? connection?.queryPrepared("SELECT pg_advisory_unlock($1)", [Self.leaderLockKey]) }
                break rounds
            case .runRound(let leadership, let nextRoundAt):
                do {
                    let live = try reuse(&connection, role: "maintenance")
                    try heartbeat(on: live)
                    try lead(leadership, on: live)
                } catch {
                    logger.error("maintenance error", metadata: ["error": "\(error)"])
                    let lost = connection?.isUsable != true
                    if lost {
                        connection?.close()
                        connection = nil
                    }
                    switch withMachine({ $0.maintenanceFailed(connectionLost: lost) }) {
                    case .unchanged: break
                    case .lost: logger.warning("lost the maintenance leadership with its connection")
                    }
                }
                pause(until: nextRoundAt)
            }
        }
        connection?.close()
        signal { $0.helperExited() }
    }

    /// Refreshes this pool's heartbeat (registering again when it was presumed dead) and gives back the jobs
    /// running on this pool that no thread holds.
    private func heartbeat(on live: Connection) throws {
        let refreshed = try live.queryPrepared("UPDATE workers SET heartbeat_at = now() WHERE id = $1", [id]).affectedRows
        if refreshed == 0 {
            logger.warning("this pool was presumed dead (missed heartbeats); registering again")
            try register(on: live)
        }
        let lost = try Maintenance.requeueLostJobs(
            workerID: id, held: condition.withLock { Array(heldJobs) }, grace: configuration.heartbeatTimeout,
            backoff: configuration.backoff, on: live)
        if !lost.isEmpty {
            logger.warning("gave back jobs whose outcome this pool could not record", metadata: ["jobs": "\(lost.map(String.init).joined(separator: ","))"])
            wake(lost.count)
        }
    }

    /// Performs the leadership part of a maintenance round: take the lock, or the leader's housekeeping.
    private func lead(_ step: WorkerPoolMachine.LeadershipStep, on live: Connection) throws {
        switch step {
        case .none:
            return
        case .tryAcquire:
            let acquired: Bool = try live.queryPrepared("SELECT pg_try_advisory_lock($1) AS acquired", [Self.leaderLockKey])
                .single().decode("acquired")
            if acquired { logger.info("became maintenance leader") }
            try lead(withMachine { $0.leadershipAttempted(acquired: acquired, at: Date()) }, on: live)
        case .lead(let prune):
            let rescued = try Maintenance.rescueOrphanedJobs(
                heartbeatTimeout: configuration.heartbeatTimeout, backoff: configuration.backoff, on: live)
            if !rescued.isEmpty {
                logger.warning("rescued jobs of dead workers", metadata: ["jobs": "\(rescued.map(String.init).joined(separator: ","))"])
                wake(rescued.count)
            }
            let enqueued = try cron.enqueueDue(on: live)
            if !enqueued.isEmpty { logger.info("enqueued cron jobs", metadata: ["jobs": "\(enqueued.count)"]) }
            if prune {
                let pruned = try Maintenance.pruneFinishedJobs(olderThan: configuration.retention, on: live)
                if pruned > 0 { logger.info("pruned finished jobs", metadata: ["jobs": "\(pruned)"]) }
                withMachine { $0.pruned(at: Date()) }
            }
        }
    }

    /// Waits for shutdown, gives in-flight jobs `shutdownTimeout`, then puts jobs still running on this pool
    /// back to pending, removes the registration and gives the helper threads a short grace.
    func supervise() {
        condition.lock()
        var action = machine.supervisorCheck(at: Date())
        while true {
            switch action {
            case .waitForShutdown:
                condition.wait()
            case .waitForWorkers(let deadline), .waitForHelpers(let deadline):
                _ = condition.wait(until: deadline)
            case .cleanUp(let abandonedWorkers):
                condition.unlock()
                cleanUp(abandonedWorkers: abandonedWorkers)
                condition.lock()
                action = machine.cleanedUp(at: Date())
                continue
            case .finish:
                let waiters = stopWaiters
                stopWaiters.removeAll()
                condition.broadcast()
                condition.unlock()
                logger.info("worker pool stopped")
                waiters.forEach { $0.resume() }
                return
            }
            action = machine.supervisorCheck(at: Date())
        }
    }

    private func cleanUp(abandonedWorkers: Int) {
        if abandonedWorkers > 0 {
            logger.warning("shutdown timeout: jobs still running go back to pending", metadata: ["busy_workers": "\(abandonedWorkers)"])
        }
        do {
            let connection = try connect("shutdown")
            defer { connection.close() }
            let requeued = try connection.queryPrepared(
                """
                UPDATE jobs SET state = 'pending', worker_id = NULL, locked_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempts, 'at', now(),
                        'error', 'the worker shut down before the job finished'))
                WHERE state = 'running' AND worker_id = $1
                """,
                [id]
            ).affectedRows
            if requeued > 0 { logger.warning("jobs put back to pending at shutdown", metadata: ["jobs": "\(requeued)"]) }
            try connection.queryPrepared("DELETE FROM workers WHERE id = $1", [id])
        } catch {
            logger.error("could not clean up at shutdown; the leader rescues the jobs after the heartbeat timeout",
                         metadata: ["error": "\(error)"])
        }
    }
}
