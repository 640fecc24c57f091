import Foundation
import Postgres
import RRFTestSupport
import Testing

/// Issue 13 item 8: every handler's database effects commit with its job's completion, so a daemon killed
/// with SIGKILL at any moment under load never repeats an effect when the job runs again.
@Suite(.serialized) struct DaemonKillTests {
    /// 300 jobs that each write one effect (a `job.refused` audit event and its outbox message to the
    /// secretariat); rrfd is killed at random moments and started again until every job is done.
    @Test func killingTheDaemonAtRandomMomentsDuplicatesNoEffect() throws {
        try withTestDatabase { db in
            let cli = CLI(db)
            try cli.setUpFund()
            try cli.ok("user", "add", "desk", "--name", "Duty Desk", "--role", "secretariat", "--email", "desk@example.org", as: "admin")
            let connection = try db.connect()
            defer { connection.close() }
            func number(_ sql: String) throws -> Int { try connection.query(sql).single().decode("n", as: Int.self) }
            let jobs = 300
            // Each names a grant that does not exist: the handler refuses it for good and tells the secretariat.
            try connection.query(
                """
                INSERT INTO jobs (kind, payload)
                SELECT 'grant.evaluate_tranches', jsonb_build_object('grantID', gen_random_uuid()::text, 'reference', 'RRF-2026-' || lpad(g::text, 4, '0'))
                FROM generate_series(1, $1) g
                """,
                [jobs]
            )
            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            var kills = 0
            var delays: [Int] = []
            // Kill each daemon while it is working: once it has finished a few more jobs, a random moment later.
            while try number("SELECT count(*)::int AS n FROM jobs WHERE kind = 'grant.evaluate_tranches' AND state <> 'succeeded'") > 0, kills < 8 {
                let before = try number("SELECT count(*)::int AS n FROM jobs WHERE kind = 'grant.evaluate_tranches' AND state = 'succeeded'")
                let process = try daemon.start(name: "rrfd-\(kills)")
                _ = try eventually(within: 15) {
                    try number("SELECT count(*)::int AS n FROM jobs WHERE kind = 'grant.evaluate_tranches' AND state = 'succeeded'") >= before + 20
                }
                let delay = Int.random(in: 0...40)
                delays.append(delay)
                Thread.sleep(forTimeInterval: Double(delay) / 1000)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                kills += 1
            }
            // A last daemon finishes what is left (a killed worker's jobs come back after its heartbeat times out).
            let last = try daemon.start(name: "rrfd-last")
            let finished = try eventually(within: 60) { try number("SELECT count(*)::int AS n FROM jobs WHERE kind = 'grant.evaluate_tranches' AND state <> 'succeeded'") == 0 }
            #expect(daemon.stop(last))
            let states = try connection.query("SELECT state::text || ' ' || count(*) || ' ' || max(attempts) || ' ' || max(run_at)::text AS s FROM jobs GROUP BY state").rows
                .map { try $0.decode("s", as: String.self) }
            #expect(finished, "jobs left: \(states) \(daemon.logText("rrfd-last").suffix(3000))")
            #expect(kills >= 3, "the daemon was killed \(kills) times (delays \(delays) ms)")

            let refusals = try number("SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'job.refused'")
            let repeated = try number(
                """
                SELECT count(*)::int AS n FROM (
                    SELECT substring(payload FROM '#([0-9]+)') FROM audit_events WHERE event_type = 'job.refused' GROUP BY 1 HAVING count(*) > 1
                ) twice
                """
            )
            let messages = try number("SELECT count(*)::int AS n FROM notifications WHERE recipient = 'desk@example.org' AND body LIKE '%was refused%'")
            let missing = try connection.query(
                """
                SELECT j.id || ' ' || j.state || ' ' || j.attempts || ' ' || j.errors::text AS s FROM jobs j
                WHERE j.kind = 'grant.evaluate_tranches'
                  AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.event_type = 'job.refused' AND e.payload LIKE '%#' || j.id || ' %')
                """
            ).rows.map { try $0.decode("s", as: String.self) }
            #expect(refusals == jobs, "killed \(kills) times after \(delays) ms; jobs without their effect: \(missing)")
            #expect(repeated == 0, "effects repeated after kill -9 (delays \(delays) ms)")
            #expect(messages == jobs)
        }
    }
}
