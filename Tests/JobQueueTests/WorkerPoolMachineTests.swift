import Foundation
@testable import JobQueue
import Testing

/// The worker pool's coordination without a database, threads or sleeps: time is a parameter.
@Suite struct WorkerPoolMachineTests {
    typealias Machine = WorkerPoolMachine
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func settings(workers: Int = 2, maintenance: Bool = true, stopWhenIdle: Bool = false) -> Machine.Settings {
        Machine.Settings(
            workers: workers, batchSize: 10, listen: true, maintenance: maintenance, stopWhenIdle: stopWhenIdle,
            pollInterval: .seconds(1), heartbeatInterval: .seconds(2), shutdownTimeout: .seconds(25), pruneInterval: .seconds(60)
        )
    }

    /// A machine started at `start`.
    static func running(workers: Int = 2, maintenance: Bool = true, stopWhenIdle: Bool = false) -> Machine {
        var machine = Machine(settings: settings(workers: workers, maintenance: maintenance, stopWhenIdle: stopWhenIdle))
        #expect(machine.start(at: start) == .startThreads)
        return machine
    }

    func at(_ seconds: Double) -> Date { Self.start + seconds }

    @Test func aNotificationWakesOneIdleWorkerAndTokensAreCappedAtTheWorkers() {
        var machine = Self.running()
        #expect(machine.batchClaimed(worker: 0, count: 0, at: at(0)) == .wait(until: at(1)))
        #expect(machine.batchClaimed(worker: 1, count: 0, at: at(0)) == .wait(until: at(1)))
        #expect(machine.wake(1) == .broadcast)
        #expect(machine.workerWaiting(worker: 0, at: at(0.1)) == .claim(wakeAnother: false))
        #expect(machine.workerWaiting(worker: 1, at: at(0.1)) == .wait(until: at(1)), "one token, one worker")
        #expect(machine.wake(0) == .none)
        #expect(machine.wake(10) == .broadcast)
        #expect(machine.workerWaiting(worker: 1, at: at(0.2)) == .claim(wakeAnother: false))
        // Two tokens at most, one taken: one left for the next worker with nothing to claim.
        #expect(machine.batchClaimed(worker: 1, count: 0, at: at(0.3)) == .claim(wakeAnother: false))
        #expect(machine.batchClaimed(worker: 1, count: 0, at: at(0.3)) == .wait(until: at(1.3)))
    }

    @Test func anIdleWorkerPollsAtItsDeadline() {
        var machine = Self.running()
        #expect(machine.batchClaimed(worker: 0, count: 0, at: at(0)) == .wait(until: at(1)))
        #expect(machine.workerWaiting(worker: 0, at: at(0.5)) == .wait(until: at(1)), "a spurious wake-up waits on")
        #expect(machine.workerWaiting(worker: 0, at: at(1)) == .claim(wakeAnother: false))
        #expect(machine.batchClaimed(worker: 0, count: 3, at: at(1)) == .claim(wakeAnother: false))
    }

    @Test func aFullBatchWakesAColleague() {
        var machine = Self.running()
        #expect(machine.batchClaimed(worker: 1, count: 0, at: at(0)) == .wait(until: at(1)))
        #expect(machine.batchClaimed(worker: 0, count: 10, at: at(0)) == .claim(wakeAnother: true))
        #expect(machine.workerWaiting(worker: 1, at: at(0)) == .claim(wakeAnother: false))
    }

    @Test func aFailedWorkerPausesWhateverWakeUpsCome() {
        var machine = Self.running()
        #expect(machine.workerFailed(worker: 0, at: at(0)) == .wait(until: at(1)))
        #expect(machine.wake(1) == .broadcast)
        #expect(machine.workerWaiting(worker: 0, at: at(0.5)) == .wait(until: at(1)))
        #expect(machine.workerWaiting(worker: 0, at: at(1)) == .claim(wakeAnother: false))
        // The token is still there for a worker with nothing to claim.
        #expect(machine.batchClaimed(worker: 1, count: 0, at: at(1)) == .claim(wakeAnother: false))
    }

    @Test func drainingChecksOnlyWhenEveryOtherWorkerIsIdle() {
        var machine = Self.running(workers: 3, stopWhenIdle: true)
        #expect(machine.batchClaimed(worker: 1, count: 0, at: at(0)) == .wait(until: at(1)))
        #expect(machine.batchClaimed(worker: 0, count: 0, at: at(0)) == .wait(until: at(1)), "worker 2 is still busy")
        #expect(machine.batchClaimed(worker: 2, count: 0, at: at(0)) == .checkRunnable)
        var pausing = Self.running(stopWhenIdle: true)
        #expect(pausing.workerFailed(worker: 1, at: at(0)) == .wait(until: at(1)))
        #expect(pausing.batchClaimed(worker: 0, count: 0, at: at(0)) == .wait(until: at(1)), "a pausing worker is not idle")
        var alone = Self.running(workers: 1, stopWhenIdle: true)
        #expect(alone.batchClaimed(worker: 0, count: 0, at: at(0)) == .checkRunnable)
        #expect(alone.batchClaimed(worker: 0, count: 1, at: at(0)) == .claim(wakeAnother: false))
    }

    @Test func drainingEndsInStoppingAndStopsTheOtherWorkers() {
        var machine = Self.running(stopWhenIdle: true)
        #expect(machine.batchClaimed(worker: 1, count: 0, at: at(0)) == .wait(until: at(1)))
        #expect(machine.batchClaimed(worker: 0, count: 0, at: at(0)) == .checkRunnable)
        #expect(machine.runnableChecked(worker: 0, found: true, at: at(0)) == .wait(until: at(1)), "a job still runs")
        #expect(machine.workerWaiting(worker: 0, at: at(1)) == .claim(wakeAnother: false))
        #expect(machine.batchClaimed(worker: 0, count: 0, at: at(1)) == .checkRunnable)
        #expect(machine.runnableChecked(worker: 0, found: false, at: at(1)) == .drained)
        #expect(machine.state == .stopping(machine.pool!, deadline: at(26)))
        #expect(machine.workerWaiting(worker: 1, at: at(1)) == .stop)
        #expect(machine.batchClaimed(worker: 1, count: 10, at: at(1)) == .stop)
    }

    @Test func leadershipIsTakenThenLedWithPruningAfterItsInterval() {
        var machine = Self.running()
        #expect(machine.maintenanceDue(at: at(0)) == .runRound(leadership: .tryAcquire, nextRoundAt: at(2)))
        #expect(machine.leadershipAttempted(acquired: false, at: at(0)) == .none)
        #expect(!machine.isLeader)
        #expect(machine.maintenanceDue(at: at(2)) == .runRound(leadership: .tryAcquire, nextRoundAt: at(4)))
        #expect(machine.leadershipAttempted(acquired: true, at: at(2)) == .lead(prune: false))
        #expect(machine.isLeader)
        #expect(machine.maintenanceDue(at: at(59)) == .runRound(leadership: .lead(prune: false), nextRoundAt: at(61)))
        #expect(machine.maintenanceDue(at: at(60)) == .runRound(leadership: .lead(prune: true), nextRoundAt: at(62)))
        machine.pruned(at: at(60.5))
        #expect(machine.maintenanceDue(at: at(62)) == .runRound(leadership: .lead(prune: false), nextRoundAt: at(64)))
        #expect(machine.maintenanceDue(at: at(120.5)) == .runRound(leadership: .lead(prune: true), nextRoundAt: at(122.5)))
    }

    @Test func theLeadershipDiesWithItsConnection() {
        var machine = Self.running()
        #expect(machine.maintenanceFailed(connectionLost: true) == .unchanged, "not the leader")
        _ = machine.leadershipAttempted(acquired: true, at: at(0))
        #expect(machine.maintenanceFailed(connectionLost: false) == .unchanged)
        #expect(machine.isLeader)
        #expect(machine.maintenanceFailed(connectionLost: true) == .lost)
        #expect(!machine.isLeader)
        #expect(machine.maintenanceDue(at: at(2)) == .runRound(leadership: .tryAcquire, nextRoundAt: at(4)))
    }

    @Test func aPoolWithoutMaintenanceNeverCompetes() {
        var machine = Self.running(maintenance: false)
        #expect(machine.maintenanceDue(at: at(0)) == .runRound(leadership: .none, nextRoundAt: at(2)))
        #expect(machine.maintenanceDue(at: at(100)) == .runRound(leadership: .none, nextRoundAt: at(102)))
    }

    @Test func shutdownReleasesTheLeadershipOnce() {
        var machine = Self.running()
        _ = machine.leadershipAttempted(acquired: true, at: at(0))
        #expect(machine.requestShutdown(at: at(1)) == .broadcast)
        #expect(machine.requestShutdown(at: at(2)) == .none)
        #expect(machine.isStopping)
        #expect(machine.maintenanceDue(at: at(2)) == .stop(releaseLeadership: true))
        #expect(!machine.isLeader)
        #expect(machine.maintenanceDue(at: at(2)) == .stop(releaseLeadership: false))
    }

    @Test func aLockTakenWhileStoppingIsReleasedWithoutDuties() {
        var machine = Self.running()
        #expect(machine.maintenanceDue(at: at(0)) == .runRound(leadership: .tryAcquire, nextRoundAt: at(2)))
        _ = machine.requestShutdown(at: at(0.5))
        #expect(machine.leadershipAttempted(acquired: true, at: at(0.5)) == .none)
        #expect(machine.maintenanceDue(at: at(1)) == .stop(releaseLeadership: true))
    }

    @Test func shutdownWaitsForTheWorkersThenCleansUpThenWaitsForTheHelpers() {
        var machine = Self.running()
        #expect(machine.supervisorCheck(at: at(0)) == .waitForShutdown)
        #expect(machine.requestShutdown(at: at(10)) == .broadcast)
        #expect(machine.supervisorCheck(at: at(10)) == .waitForWorkers(until: at(35)))
        #expect(machine.workerExited(worker: 0) == .broadcast)
        #expect(machine.supervisorCheck(at: at(11)) == .waitForWorkers(until: at(35)))
        #expect(machine.workerExited(worker: 1) == .broadcast)
        #expect(machine.supervisorCheck(at: at(12)) == .cleanUp(abandonedWorkers: 0))
        #expect(machine.helperExited() == .none, "the supervisor waits for helpers only after the clean-up")
        #expect(machine.cleanedUp(at: at(13)) == .waitForHelpers(until: at(16)))
        #expect(!machine.isStopped)
        #expect(machine.helperExited() == .broadcast)
        #expect(machine.supervisorCheck(at: at(13.5)) == .finish)
        #expect(machine.isStopped)
    }

    @Test func theShutdownDeadlineAbandonsBusyWorkersAndTheHelperGraceEnds() {
        var machine = Self.running()
        _ = machine.requestShutdown(at: at(0))
        _ = machine.workerExited(worker: 0)
        #expect(machine.supervisorCheck(at: at(24.9)) == .waitForWorkers(until: at(25)))
        #expect(machine.supervisorCheck(at: at(25)) == .cleanUp(abandonedWorkers: 1))
        #expect(machine.cleanedUp(at: at(26)) == .waitForHelpers(until: at(29)))
        #expect(machine.supervisorCheck(at: at(29)) == .finish)
        #expect(machine.workerExited(worker: 1) == .none, "a worker that comes back late changes nothing")
        #expect(machine.state == .stopped)
    }

    @Test func aShutdownRequestedBeforeTheStartStopsAtOnce() {
        var machine = Machine(settings: Self.settings())
        #expect(machine.requestShutdown(at: at(0)) == .none)
        #expect(machine.isStopping)
        #expect(machine.start(at: at(1)) == .startThreads)
        #expect(machine.state.name == "stopping")
        #expect(machine.start(at: at(2)) == .alreadyStarted)
        #expect(machine.batchClaimed(worker: 0, count: 0, at: at(2)) == .stop)
    }
}

extension WorkerPoolMachine {
    /// The shared data, in the states that hold it.
    var pool: Pool? {
        switch state {
        case .running(let pool), .stopping(let pool, _), .cleaningUp(let pool), .awaitingHelpers(let pool, _): pool
        case .created, .stopped: nil
        }
    }
}
