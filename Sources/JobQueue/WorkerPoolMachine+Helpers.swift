import Foundation

/// The helper threads' events: maintenance rounds and leadership, the supervisor's shutdown steps, helper exits.
extension WorkerPoolMachine {
    /// What the leader's part of a maintenance round is.
    enum LeadershipStep: Sendable, Equatable {
        /// Not competing (maintenance off), or shutting down.
        case none
        /// Try to take the leader's advisory lock, then report `leadershipAttempted`.
        case tryAcquire
        /// Rescue jobs of dead workers and enqueue due cron ticks; `prune`: delete old finished jobs as well (then
        /// report `pruned`).
        case lead(prune: Bool)
    }

    /// What the maintenance thread does next.
    enum MaintenanceAction: Sendable, Equatable {
        /// Heartbeat and give back lost jobs, then `leadership`; the next round starts at `nextRoundAt`.
        case runRound(leadership: LeadershipStep, nextRoundAt: Date)
        /// Leave the loop; `releaseLeadership`: unlock the leader's advisory lock first.
        case stop(releaseLeadership: Bool)
    }

    /// The maintenance thread starts a round (at start, then after every heartbeat interval or a shutdown wake-up).
    mutating func maintenanceDue(at now: Date) -> MaintenanceAction {
        switch state {
        case .running(let pool):
            let leadership: LeadershipStep = if !settings.maintenance {
                .none
            } else if pool.leader {
                .lead(prune: now >= pool.lastPrune + settings.pruneInterval.seconds)
            } else {
                .tryAcquire
            }
            return .runRound(leadership: leadership, nextRoundAt: now + settings.heartbeatInterval.seconds)
        case .stopping(let pool, _), .cleaningUp(let pool), .awaitingHelpers(let pool, _):
            update { $0.leader = false }
            return .stop(releaseLeadership: pool.leader)
        case .created, .stopped:
            return .stop(releaseLeadership: false)
        }
    }

    /// The attempt to take the leader's lock succeeded or not. Returns the leader's duties of this round.
    mutating func leadershipAttempted(acquired: Bool, at now: Date) -> LeadershipStep {
        switch state {
        case .running(var pool):
            guard acquired else { return .none }
            pool.leader = true
            state = .running(pool)
            return .lead(prune: now >= pool.lastPrune + settings.pruneInterval.seconds)
        case .stopping, .cleaningUp, .awaitingHelpers:
            // Held until the maintenance thread stops (next round) and unlocks it; no duties meanwhile.
            if acquired { update { $0.leader = true } }
            return .none
        case .created, .stopped:
            return .none
        }
    }

    /// The leader pruned finished jobs.
    mutating func pruned(at now: Date) {
        update { $0.lastPrune = now }
    }

    /// Whether a maintenance error cost the leadership.
    enum LeadershipChange: Sendable, Equatable {
        case unchanged
        /// The connection that held the session lock is gone, and the lock with it.
        case lost
    }

    /// A maintenance statement failed; `connectionLost`: its connection is unusable (and closed).
    mutating func maintenanceFailed(connectionLost: Bool) -> LeadershipChange {
        guard connectionLost, isLeader else { return .unchanged }
        update { $0.leader = false }
        return .lost
    }

    /// The listener's or the maintenance thread's loop ended.
    mutating func helperExited() -> Signal {
        update { $0.liveHelpers -= 1 }
        switch state {
        case .awaitingHelpers:
            return .broadcast  // the supervisor waits for the last helper
        case .created, .running, .stopping, .cleaningUp, .stopped:
            return .none
        }
    }

    /// What the supervisor thread does next.
    enum SupervisorAction: Sendable, Equatable {
        /// Wait on the condition (without deadline) until shutdown begins, then report `supervisorCheck`.
        case waitForShutdown
        /// Wait until the last worker exits or `deadline` passes, then report `supervisorCheck`.
        case waitForWorkers(until: Date)
        /// Put the jobs still running on this pool back to pending and remove its registration, then report
        /// `cleanedUp`. `abandonedWorkers`: workers still busy at the shutdown deadline.
        case cleanUp(abandonedWorkers: Int)
        /// Wait until the helper threads exit or `deadline` passes, then report `supervisorCheck`.
        case waitForHelpers(until: Date)
        /// The pool has stopped: resume those who wait for it.
        case finish
    }

    /// The supervisor looks at the pool (at start, and after every wait).
    mutating func supervisorCheck(at now: Date) -> SupervisorAction {
        switch state {
        case .created, .running:
            return .waitForShutdown
        case .stopping(let pool, let deadline):
            guard pool.liveWorkers == 0 || now >= deadline else { return .waitForWorkers(until: deadline) }
            state = .cleaningUp(pool)
            return .cleanUp(abandonedWorkers: pool.liveWorkers)
        case .cleaningUp(let pool):
            return .cleanUp(abandonedWorkers: pool.liveWorkers)
        case .awaitingHelpers(let pool, let deadline):
            guard pool.liveHelpers == 0 || now >= deadline else { return .waitForHelpers(until: deadline) }
            state = .stopped
            return .finish
        case .stopped:
            return .finish
        }
    }

    /// The supervisor's clean-up is done (or failed; the leader rescues the jobs then): the helpers get a grace.
    mutating func cleanedUp(at now: Date) -> SupervisorAction {
        switch state {
        case .cleaningUp(let pool):
            state = .awaitingHelpers(pool, deadline: now + settings.helperGrace.seconds)
            return supervisorCheck(at: now)
        case .created, .running, .stopping, .awaitingHelpers, .stopped:
            return supervisorCheck(at: now)
        }
    }
}
