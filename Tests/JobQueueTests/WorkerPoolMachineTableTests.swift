import Foundation
@testable import JobQueue
import Testing

/// Every event on every state of the worker pool's machine, against its transition table.
@Suite struct WorkerPoolMachineTableTests {
    typealias Machine = WorkerPoolMachine
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// One sample per state, the events coming at `now`: the shutdown deadline and the helpers' grace have come.
    static var samples: [Machine] {
        let settings = WorkerPoolMachineTests.settings()
        let pool = Machine.Pool(lastPrune: now, liveWorkers: 2, liveHelpers: 2)
        let states: [Machine.State] = [
            .created(shutdownRequested: false), .running(pool), .stopping(pool, deadline: now), .cleaningUp(pool),
            .awaitingHelpers(pool, deadline: now), .stopped,
        ]
        return states.map { Machine(settings: settings, state: $0) }
    }

    /// Every event, by name.
    static var events: [(name: String, apply: (inout Machine) -> Void)] {
        [
            ("start", { _ = $0.start(at: now) }),
            ("request_shutdown", { _ = $0.requestShutdown(at: now) }),
            ("wake", { _ = $0.wake(1) }),
            ("batch_claimed", { _ = $0.batchClaimed(worker: 0, count: 0, at: now) }),
            ("runnable_checked", { _ = $0.runnableChecked(worker: 0, found: false, at: now) }),
            ("worker_waiting", { _ = $0.workerWaiting(worker: 0, at: now) }),
            ("worker_failed", { _ = $0.workerFailed(worker: 0, at: now) }),
            ("worker_exited", { _ = $0.workerExited(worker: 0) }),
            ("maintenance_due", { _ = $0.maintenanceDue(at: now) }),
            ("leadership_attempted", { _ = $0.leadershipAttempted(acquired: true, at: now) }),
            ("pruned", { $0.pruned(at: now) }),
            ("maintenance_failed", { _ = $0.maintenanceFailed(connectionLost: true) }),
            ("helper_exited", { _ = $0.helperExited() }),
            ("supervisor_check", { _ = $0.supervisorCheck(at: now) }),
            ("cleaned_up", { _ = $0.cleanedUp(at: now) }),
        ]
    }

    /// `from: event → to` for every pair; an event not listed for a state leaves it where it is.
    static let moves: [String: [String: String]] = [
        "created": ["start": "running"],
        "running": ["request_shutdown": "stopping", "runnable_checked": "stopping"],
        "stopping": ["supervisor_check": "cleaning_up", "cleaned_up": "cleaning_up"],
        "cleaning_up": ["cleaned_up": "awaiting_helpers"],
        "awaiting_helpers": ["supervisor_check": "stopped", "cleaned_up": "stopped"],
        "stopped": [:],
    ]

    @Test func everyEventOnEveryStateFollowsTheTable() {
        var table: [String] = []
        for sample in Self.samples {
            for event in Self.events {
                var machine = sample
                event.apply(&machine)
                let expected = Self.moves[sample.state.name]?[event.name] ?? sample.state.name
                #expect(machine.state.name == expected, "\(sample.state.name) --\(event.name)-->")
                table.append("\(sample.state.name) --\(event.name)--> \(machine.state.name)")
            }
        }
        #expect(table.count == 6 * 15)
        #expect(Set(Self.samples.map(\.state.name)) == Set(Self.moves.keys))
    }

    /// Once stopping, no worker claims again, whatever it reports.
    @Test(arguments: [2, 3, 4, 5])
    func noWorkerClaimsAfterShutdown(sample: Int) {
        var machine = Self.samples[sample]
        #expect(machine.batchClaimed(worker: 0, count: 10, at: Self.now) == .stop)
        #expect(machine.runnableChecked(worker: 0, found: true, at: Self.now) == .stop)
        #expect(machine.workerWaiting(worker: 0, at: Self.now) == .stop)
        #expect(machine.workerFailed(worker: 0, at: Self.now) == .stop)
        #expect(machine.wake(3) == .none)
        #expect(machine.isStopping)
    }
}
