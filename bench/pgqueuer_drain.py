"""PgQueuer draining no-op jobs: the baseline of issue 19's "queue >= 3x PgQueuer".

Usage: pgqueuer_drain.py DSN JOBS WORKERS BATCH
Installs PgQueuer's tables in the database DSN names, enqueues JOBS no-op jobs (before the clock, as rrfbench's
drain fills its queue), then runs WORKERS queue managers, each on its own connection and dequeuing BATCH jobs at a
time, in drain mode (each returns once the queue is empty), and prints one line: `pgqueuer JOBS/s`, timed from
the start of the managers to the last job's handler, as rrfbench times its pool.
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


async def drain(dsn: str, jobs: int, workers: int, batch: int) -> float:
    setup = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(setup))
    await queries.install()
    for start in range(0, jobs, 1000):
        count = min(1000, jobs - start)
        await queries.enqueue(["noop"] * count, [None] * count, [0] * count)

    done = 0
    finished = 0.0  # when the last job's handler ran: drain mode returns only after a last empty dequeue

    async def worker() -> None:
        connection = await asyncpg.connect(dsn)
        manager = QueueManager(Queries(AsyncpgDriver(connection)))

        @manager.entrypoint("noop")
        async def noop(job: Job) -> None:
            nonlocal done, finished
            done += 1
            if done == jobs:
                finished = time.perf_counter()

        await manager.run(batch_size=batch, mode=QueueExecutionMode.drain, dequeue_timeout=timedelta(seconds=1))
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    seconds = finished - started
    left = await setup.fetchval("SELECT count(*) FROM pgqueuer")
    await queries.uninstall()
    await setup.close()
    if done != jobs or left != 0:
        raise SystemExit(f"pgqueuer ran {done} of {jobs} jobs, {left} left in its queue")
    return done / seconds


if __name__ == "__main__":
    dsn, jobs, workers, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print(f"pgqueuer {asyncio.run(drain(dsn, jobs, workers, batch)):.0f}")
