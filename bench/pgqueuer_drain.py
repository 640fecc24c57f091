"""PgQueuer running no-op jobs: the baseline of issue 19's "queue >= 3x PgQueuer".

Usage: pgqueuer_drain.py DSN JOBS WORKERS BATCH [ENQUEUERS PER_STATEMENT]
Installs PgQueuer's tables in the database DSN names and runs WORKERS queue managers, each on its own connection
and dequeuing BATCH jobs at a time. Prints one line, `pgqueuer JOBS/s`.
- Drain (four arguments): JOBS no-op jobs are enqueued before the clock, as rrfbench's drain fills its queue; the
  managers run in drain mode (each returns once the queue is empty); timed from the managers' start to the last
  job's handler, as rrfbench times its pool.
- Steady (six arguments): the queue starts empty and ENQUEUERS connections enqueue JOBS jobs between them,
  PER_STATEMENT jobs per statement (each statement its own transaction), while the managers run; timed from the
  first enqueue to the last job's handler, as `rrfbench steady` times its pool.
Run by `.ci/bench` with the PgQueuer and asyncpg it installs in a virtual environment.
"""

import asyncio
import sys
import time
from datetime import timedelta

import asyncpg
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.qm import QueueManager
from pgqueuer.queries import Queries
from pgqueuer.types import QueueExecutionMode


async def run(dsn: str, jobs: int, workers: int, batch: int, enqueuers: int, per_statement: int) -> float:
    setup = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(setup))
    await queries.install()
    steady = enqueuers > 0
    if not steady:
        for start in range(0, jobs, 1000):
            count = min(1000, jobs - start)
            await queries.enqueue(["noop"] * count, [None] * count, [0] * count)

    done = 0
    finished = 0.0  # when the last job's handler ran: drain mode returns only after a last empty dequeue
    managers: list[QueueManager] = []

    async def worker() -> None:
        connection = await asyncpg.connect(dsn)
        manager = QueueManager(Queries(AsyncpgDriver(connection)))
        managers.append(manager)

        @manager.entrypoint("noop")
        async def noop(job: Job) -> None:
            nonlocal done, finished
            done += 1
            if done == jobs:
                finished = time.perf_counter()
                if steady:
                    for each in managers:
                        each.shutdown.set()

        mode = QueueExecutionMode.continuous if steady else QueueExecutionMode.drain
        await manager.run(batch_size=batch, mode=mode, dequeue_timeout=timedelta(seconds=1))
        await connection.close()

    async def enqueuer(share: int) -> None:
        connection = await asyncpg.connect(dsn)
        own = Queries(AsyncpgDriver(connection))
        for start in range(0, share, per_statement):
            count = min(per_statement, share - start)
            await own.enqueue(["noop"] * count, [None] * count, [0] * count)
        await connection.close()

    shares = [jobs // enqueuers + (1 if index < jobs % enqueuers else 0) for index in range(enqueuers)] if steady else []
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)), *(enqueuer(share) for share in shares))
    seconds = finished - started
    left = await setup.fetchval("SELECT count(*) FROM pgqueuer")
    await queries.uninstall()
    await setup.close()
    if done != jobs or left != 0:
        raise SystemExit(f"pgqueuer ran {done} of {jobs} jobs, {left} left in its queue")
    return done / seconds


if __name__ == "__main__":
    dsn, jobs, workers, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    enqueuers, per_statement = (int(sys.argv[5]), int(sys.argv[6])) if len(sys.argv) > 6 else (0, 1)
    print(f"pgqueuer {asyncio.run(run(dsn, jobs, workers, batch, enqueuers, per_statement)):.0f}")
