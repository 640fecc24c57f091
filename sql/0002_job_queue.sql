-- The generic job queue (module JobQueue). Knows nothing about grants.
-- A job is pending until a worker claims it (running); then succeeded, pending again with a later run_at
-- (retry after a failure), discarded (max attempts reached) or cancelled.
CREATE TYPE job_state AS ENUM ('pending', 'running', 'succeeded', 'discarded', 'cancelled');

CREATE TABLE jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue            text        NOT NULL DEFAULT 'default' CHECK (queue <> ''),
    kind             text        NOT NULL CHECK (kind <> ''),
    payload          jsonb       NOT NULL DEFAULT '{}',
    priority         smallint    NOT NULL DEFAULT 0,
    state            job_state   NOT NULL DEFAULT 'pending',
    run_at           timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer     NOT NULL DEFAULT 20 CHECK (max_attempts > 0),
    unique_key       text,
    errors           jsonb       NOT NULL DEFAULT '[]',
    worker_id        uuid,
    locked_at        timestamptz,
    cancel_requested boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);

-- No second job with the same key while one is pending or running.
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL AND state IN ('pending', 'running');
-- Claiming: the oldest runnable job of the highest priority first.
CREATE INDEX jobs_claimable ON jobs (queue, priority DESC, run_at, id) WHERE state = 'pending';
CREATE INDEX jobs_by_worker ON jobs (worker_id) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'discarded', 'cancelled');

-- Wake idle workers when jobs are inserted; delivered at commit, so a rolled-back enqueue wakes nobody.
CREATE FUNCTION jobs_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rrf_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_inserted AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_inserted();

-- The worker registry: one row per running worker pool (one rrfd process). A pool refreshes heartbeat_at every
-- second or so; the leader deletes pools whose heartbeat is older than the configured timeout and rescues their
-- running jobs (back to pending, or discarded once max_attempts is reached).
CREATE TABLE workers (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    host         text        NOT NULL,
    pid          integer     NOT NULL,
    queues       text[]      NOT NULL,
    threads      integer     NOT NULL DEFAULT 1,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- Periodic jobs: one row per (schedule, tick) inserted in the transaction that enqueues the tick's job, so a
-- tick is enqueued once even when several daemons (or a leader hand-over) race for it.
CREATE TABLE cron_ticks (
    schedule    text        NOT NULL,
    tick        timestamptz NOT NULL,
    job_id      bigint,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule, tick)
);
