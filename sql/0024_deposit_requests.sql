-- Idempotency of donor deposits, as of releases: one row per key with the hash of the request that first used it
-- and its result, so that a deposit form sent twice (a double click, a reload, a retried API call) deposits once.
CREATE TABLE deposit_requests (
    idempotency_key text        NOT NULL CONSTRAINT deposit_requests_key PRIMARY KEY,
    request_hash    text        NOT NULL,
    result          jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON deposit_requests TO rrf_app;
