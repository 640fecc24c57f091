import Foundation

/// The worker threads' events: a batch claimed, the drain check, a wait that ended, an error, the exit.
extension WorkerPoolMachine {
    /// What a worker thread does next.
    enum WorkerAction: Sendable, Equatable {
        /// Claim and run a batch; `wakeAnother`: the last batch was full, so a token went to an idle colleague
        /// (broadcast the condition) to help.
        case claim(wakeAnother: Bool)
        /// Draining and every other worker idle: ask the database whether any job is still runnable.
        case checkRunnable
        /// Wait on the pool's condition until `deadline` (or a broadcast), then report `workerWaiting`.
        case wait(until: Date)
        /// Draining is done: nothing is runnable. Log it, broadcast (shutdown began) and exit like `stop`.
        case drained
        /// Shutdown: complete the successes, give back the rest and exit.
        case stop
    }

    /// Worker `worker` claimed and ran a batch of `count` jobs.
    mutating func batchClaimed(worker: Int, count: Int, at now: Date) -> WorkerAction {
        switch state {
        case .running(var pool):
            if count >= settings.batchSize {
                // There may be more: let an idle colleague help.
                pool.wakeTokens = min(settings.workers, pool.wakeTokens + 1)
                state = .running(pool)
                return .claim(wakeAnother: true)
            }
            if count > 0 { return .claim(wakeAnother: false) }
            if settings.stopWhenIdle, pool.idleWorkers >= settings.workers - 1 { return .checkRunnable }
            let action = Self.idle(worker, pool: &pool, at: now, pollInterval: settings.pollInterval)
            state = .running(pool)
            return action
        case .created, .stopping, .cleaningUp, .awaitingHelpers, .stopped:
            return .stop
        }
    }

    /// The drain check of worker `worker` found a runnable (pending and due, or running) job, or none.
    mutating func runnableChecked(worker: Int, found: Bool, at now: Date) -> WorkerAction {
        switch state {
        case .running(var pool):
            guard found else {
                state = .stopping(pool, deadline: now + settings.shutdownTimeout.seconds)
                return .drained
            }
            let action = Self.idle(worker, pool: &pool, at: now, pollInterval: settings.pollInterval)
            state = .running(pool)
            return action
        case .created, .stopping, .cleaningUp, .awaitingHelpers, .stopped:
            return .stop
        }
    }

    /// Worker `worker` is about to wait (told so by `.wait`), or its wait returned (a broadcast, the deadline, or
    /// spuriously): it goes on waiting, claims or stops. The pool reports it under the lock before each wait, so a
    /// wake-up that came since the `.wait` is never missed.
    mutating func workerWaiting(worker: Int, at now: Date) -> WorkerAction {
        switch state {
        case .running(var pool):
            let action: WorkerAction
            switch pool.waiting[worker] {
            case .idle(let deadline):
                if pool.wakeTokens > 0 {
                    pool.wakeTokens -= 1
                    action = .claim(wakeAnother: false)
                } else {
                    // Polling: a job due later, or a notification the listener missed.
                    action = now >= deadline ? .claim(wakeAnother: false) : .wait(until: deadline)
                }
            case .pause(let deadline):
                action = now >= deadline ? .claim(wakeAnother: false) : .wait(until: deadline)
            case nil:
                action = .claim(wakeAnother: false)
            }
            if case .wait = action {} else { pool.waiting[worker] = nil }
            state = .running(pool)
            return action
        case .created, .stopping, .cleaningUp, .awaitingHelpers, .stopped:
            update { $0.waiting[worker] = nil }
            return .stop
        }
    }

    /// A statement of worker `worker` failed (its jobs were let go); it pauses before claiming again.
    mutating func workerFailed(worker: Int, at now: Date) -> WorkerAction {
        switch state {
        case .running(var pool):
            let deadline = now + settings.errorPause.seconds
            pool.waiting[worker] = .pause(until: deadline)
            state = .running(pool)
            return .wait(until: deadline)
        case .created, .stopping, .cleaningUp, .awaitingHelpers, .stopped:
            return .stop
        }
    }

    /// Worker `worker`'s thread finished (its last batch completed or given back).
    mutating func workerExited(worker: Int) -> Signal {
        update {
            $0.liveWorkers -= 1
            $0.waiting[worker] = nil
        }
        switch state {
        case .stopping:
            return .broadcast  // the supervisor waits for the last worker
        case .created, .running, .cleaningUp, .awaitingHelpers, .stopped:
            return .none
        }
    }

    /// A worker with nothing to claim takes a wake-up token if one is waiting, else waits until the poll deadline.
    private static func idle(_ worker: Int, pool: inout Pool, at now: Date, pollInterval: Duration) -> WorkerAction {
        if pool.wakeTokens > 0 {
            pool.wakeTokens -= 1
            return .claim(wakeAnother: false)
        }
        let deadline = now + pollInterval.seconds
        pool.waiting[worker] = .idle(until: deadline)
        return .wait(until: deadline)
    }
}
