import Foundation

/// The coordination of a worker pool's threads as a pure state machine (the pattern of postgres-nio's
/// `ConnectionStateMachine`): each thread reports what happened, under the pool's lock, and performs the action it
/// gets back. Nothing here reads a clock, sleeps or touches the database: times come in with the events, waits go
/// out as deadlines.
///
/// `created → running → stopping` (the workers finish, until the shutdown deadline) `→ cleaningUp` (the supervisor
/// gives back what still runs and removes the registration) `→ awaitingHelpers` (the listener and maintenance
/// notice, for a short grace) `→ stopped`. `--drain` enters `stopping` when a worker finds nothing runnable while
/// every other worker is idle.
struct WorkerPoolMachine: Sendable {
    /// What the machine needs of the pool's configuration.
    struct Settings: Sendable, Equatable {
        var workers: Int
        var batchSize: Int
        var listen: Bool
        var maintenance: Bool
        var stopWhenIdle: Bool
        var pollInterval: Duration
        var heartbeatInterval: Duration
        var shutdownTimeout: Duration
        var pruneInterval: Duration
        /// How long a worker waits after an error before it claims again.
        var errorPause: Duration = .seconds(1)
        /// How long shutdown waits for the helper threads after the clean-up.
        var helperGrace: Duration = .seconds(3)

        init(_ configuration: WorkerPoolConfiguration) {
            self.init(
                workers: configuration.workers, batchSize: configuration.batchSize, listen: configuration.listen,
                maintenance: configuration.maintenance, stopWhenIdle: configuration.stopWhenIdle,
                pollInterval: configuration.pollInterval, heartbeatInterval: configuration.heartbeatInterval,
                shutdownTimeout: configuration.shutdownTimeout, pruneInterval: configuration.pruneInterval
            )
        }

        init(
            workers: Int, batchSize: Int, listen: Bool, maintenance: Bool, stopWhenIdle: Bool, pollInterval: Duration,
            heartbeatInterval: Duration, shutdownTimeout: Duration, pruneInterval: Duration
        ) {
            self.workers = workers
            self.batchSize = batchSize
            self.listen = listen
            self.maintenance = maintenance
            self.stopWhenIdle = stopWhenIdle
            self.pollInterval = pollInterval
            self.heartbeatInterval = heartbeatInterval
            self.shutdownTimeout = shutdownTimeout
            self.pruneInterval = pruneInterval
        }
    }

    /// What a waiting worker waits for.
    enum Wait: Sendable, Equatable {
        /// Nothing to claim: until a wake-up token comes or the poll deadline passes.
        case idle(until: Date)
        /// After an error: until the deadline, whatever wake-ups come.
        case pause(until: Date)
    }

    /// What the threads share while the pool lives.
    struct Pool: Sendable, Equatable {
        /// Wake-ups not yet taken by a worker (NOTIFY, a full batch, given-back jobs), at most one per worker.
        var wakeTokens = 0
        /// The workers waiting, by index.
        var waiting: [Int: Wait] = [:]
        /// Whether this pool holds the maintenance leadership (the advisory lock on the maintenance connection).
        var leader = false
        /// When the leader last pruned finished jobs (the start, before the first pruning).
        var lastPrune: Date
        var liveWorkers: Int
        var liveHelpers: Int

        /// Workers waiting for work (not those pausing after an error).
        var idleWorkers: Int {
            waiting.values.count { wait in
                switch wait {
                case .idle: true
                case .pause: false
                }
            }
        }
    }

    /// The pool's lifecycle; every case but `created` and `stopped` carries the shared data.
    enum State: Sendable, Equatable {
        case created(shutdownRequested: Bool)
        case running(Pool)
        /// No more claims; the workers finish their batches until `deadline`.
        case stopping(Pool, deadline: Date)
        /// The supervisor gives back the jobs still running and removes the registration.
        case cleaningUp(Pool)
        /// The helper threads get until `deadline` to notice.
        case awaitingHelpers(Pool, deadline: Date)
        case stopped

        /// The state's name, as in the transition table.
        var name: String {
            switch self {
            case .created: "created"
            case .running: "running"
            case .stopping: "stopping"
            case .cleaningUp: "cleaning_up"
            case .awaitingHelpers: "awaiting_helpers"
            case .stopped: "stopped"
            }
        }
    }

    let settings: Settings
    /// The current state; only the events below change it (settable across the machine's files).
    var state: State

    /// A machine in `state` (a new pool's is `created`).
    init(settings: Settings, state: State = .created(shutdownRequested: false)) {
        self.settings = settings
        self.state = state
    }

    /// True once shutdown was requested: workers claim no more, helpers leave their loops.
    var isStopping: Bool {
        switch state {
        case .created(let requested): requested
        case .running: false
        case .stopping, .cleaningUp, .awaitingHelpers, .stopped: true
        }
    }

    /// True while this pool holds the maintenance leadership.
    var isLeader: Bool {
        switch state {
        case .running(let pool), .stopping(let pool, _), .cleaningUp(let pool), .awaitingHelpers(let pool, _): pool.leader
        case .created, .stopped: false
        }
    }

    /// True once the pool has stopped (waiters may resume).
    var isStopped: Bool {
        switch state {
        case .stopped: true
        case .created, .running, .stopping, .cleaningUp, .awaitingHelpers: false
        }
    }

    // MARK: Lifecycle

    /// What `start` asks of the pool.
    enum StartAction: Sendable, Equatable {
        /// Spawn the worker, listener (when listening), maintenance and supervisor threads.
        case startThreads
        /// The pool started before: a programming error.
        case alreadyStarted
    }

    /// The pool starts (registered in the database); a shutdown requested before goes on at once.
    mutating func start(at now: Date) -> StartAction {
        switch state {
        case .created(let requested):
            let pool = Pool(lastPrune: now, liveWorkers: settings.workers, liveHelpers: 1 + (settings.listen ? 1 : 0))
            state = requested ? .stopping(pool, deadline: now + settings.shutdownTimeout.seconds) : .running(pool)
            return .startThreads
        case .running, .stopping, .cleaningUp, .awaitingHelpers, .stopped:
            return .alreadyStarted
        }
    }

    /// SIGTERM, task cancellation or an operator: stop claiming; in-flight jobs get the shutdown timeout.
    /// `.broadcast` when shutdown begins (log it; every thread must notice), `.none` when not started yet (the
    /// start then goes straight to stopping) or already stopping.
    mutating func requestShutdown(at now: Date) -> Signal {
        switch state {
        case .created:
            state = .created(shutdownRequested: true)
            return .none
        case .running(let pool):
            state = .stopping(pool, deadline: now + settings.shutdownTimeout.seconds)
            return .broadcast
        case .stopping, .cleaningUp, .awaitingHelpers, .stopped:
            return .none
        }
    }

    /// Whether others must be woken after an event.
    enum Signal: Sendable, Equatable {
        case none
        /// Broadcast the pool's condition: some waiting thread has something to do.
        case broadcast
    }

    /// `count` jobs may be waiting (notifications, a reconnected listener, jobs given back or rescued): as many
    /// idle workers wake, at most every worker.
    mutating func wake(_ count: Int) -> Signal {
        switch state {
        case .running(var pool):
            guard count > 0 else { return .none }
            pool.wakeTokens = min(settings.workers, pool.wakeTokens + count)
            state = .running(pool)
            return .broadcast
        case .created, .stopping, .cleaningUp, .awaitingHelpers, .stopped:
            return .none
        }
    }

    /// Modifies the shared data in whatever state holds it; `created` and `stopped` hold none.
    mutating func update(_ body: (inout Pool) -> Void) {
        switch state {
        case .running(var pool):
            body(&pool)
            state = .running(pool)
        case .stopping(var pool, let deadline):
            body(&pool)
            state = .stopping(pool, deadline: deadline)
        case .cleaningUp(var pool):
            body(&pool)
            state = .cleaningUp(pool)
        case .awaitingHelpers(var pool, let deadline):
            body(&pool)
            state = .awaitingHelpers(pool, deadline: deadline)
        case .created, .stopped:
            return
        }
    }
}
