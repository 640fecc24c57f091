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
                let received = try live.waitForNotifications(timeout: .milliseconds(200))
                if !received.isEmpty { wake(received.count) }
            } catch {
                logger.error("listener error; workers poll meanwhile", metadata: ["error": "\(error)"])
                connection?.close()
                connection = nil
                sleep(.seconds(1))
            }
        }
        connection?.close()
        helperStopped()
    }

    func maintenanceLoop() {
        var connection: Connection?
        var lastPrune = ContinuousClock.now
        while !isStopping {
            do {
                if connection == nil { connection = try connect("maintenance") }
                guard let live = connection else { continue }
                let refreshed = try live.queryPrepared("UPDATE workers SET heartbeat_at = now() WHERE id = $1", [id]).affectedRows
                if refreshed == 0 {
                    logger.warning("this pool was presumed dead (missed heartbeats); registering again")
                    try register(on: live)
                }
                let lost = try Maintenance.requeueLostJobs(
                    workerID: id, held: state.withLock { Array(heldJobs) }, grace: configuration.heartbeatTimeout,
                    backoff: configuration.backoff, on: live)
                if !lost.isEmpty {
                    logger.warning("gave back jobs whose outcome this pool could not record", metadata: ["jobs": "\(lost.map(String.init).joined(separator: ","))"])
                    wake(lost.count)
                }
                if configuration.maintenance {
                    if !isLeader {
                        let acquired: Bool = try live.queryPrepared("SELECT pg_try_advisory_lock($1) AS acquired", [Self.leaderLockKey])
                            .single().decode("acquired")
                        if acquired {
                            state.withLock { leader = true }
                            logger.info("became maintenance leader")
                        }
                    }
                    if isLeader {
                        let rescued = try Maintenance.rescueOrphanedJobs(
                            heartbeatTimeout: configuration.heartbeatTimeout, backoff: configuration.backoff, on: live)
                        if !rescued.isEmpty {
                            logger.warning("rescued jobs of dead workers", metadata: ["jobs": "\(rescued.map(String.init).joined(separator: ","))"])
                            wake(rescued.count)
                        }
                        let enqueued = try cron.enqueueDue(on: live)
                        if !enqueued.isEmpty { logger.info("enqueued cron jobs", metadata: ["jobs": "\(enqueued.count)"]) }
                        if lastPrune.duration(to: .now) >= configuration.pruneInterval {
                            let pruned = try Maintenance.pruneFinishedJobs(olderThan: configuration.retention, on: live)
                            if pruned > 0 { logger.info("pruned finished jobs", metadata: ["jobs": "\(pruned)"]) }
                            lastPrune = .now
                        }
                    }
                }
            } catch {
                logger.error("maintenance error", metadata: ["error": "\(error)"])
                if connection?.isUsable != true {
                    connection?.close()
                    connection = nil
                    state.withLock { leader = false }  // a session lock dies with its connection
                }
            }
            sleep(configuration.heartbeatInterval)
        }
        if isLeader { _ = try? connection?.queryPrepared("SELECT pg_advisory_unlock($1)", [Self.leaderLockKey]) }
        state.withLock { leader = false }
        connection?.close()
        helperStopped()
    }

    func helperStopped() {
        state.withLock {
            liveHelperThreads -= 1
            state.broadcast()
        }
    }

    /// Waits for shutdown, gives in-flight jobs `shutdownTimeout`, then puts jobs still running on this pool
    /// back to pending and removes the registration.
    func supervise() {
        state.lock()
        while !stopping { state.wait() }
        let deadline = Date().addingTimeInterval(configuration.shutdownTimeout.seconds)
        while liveWorkerThreads > 0 {
            if !state.wait(until: deadline) { break }
        }
        let abandoned = liveWorkerThreads
        state.unlock()
        if abandoned > 0 {
            logger.warning("shutdown timeout: jobs still running go back to pending", metadata: ["busy_workers": "\(abandoned)"])
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
        // Helper threads notice `stopping` within a second.
        state.lock()
        let helperDeadline = Date().addingTimeInterval(3)
        while liveHelperThreads > 0 {
            if !state.wait(until: helperDeadline) { break }
        }
        stopped = true
        let waiters = stopWaiters
        stopWaiters.removeAll()
        state.broadcast()
        state.unlock()
        logger.info("worker pool stopped")
        waiters.forEach { $0.resume() }
    }
}
