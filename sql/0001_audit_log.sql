-- The audit log: every command appends an event in the same transaction as its state change.
-- Append-only (a trigger refuses UPDATE and DELETE); one SHA-256 hash chain per stream, so unrelated
-- aggregates never contend. `rrfctl audit verify` recomputes every chain.
CREATE TABLE audit_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream        text        NOT NULL CHECK (stream <> ''),
    sequence      integer     NOT NULL CHECK (sequence >= 1),
    event_type    text        NOT NULL CHECK (event_type <> ''),
    actor         text        NOT NULL,
    occurred_at   timestamptz NOT NULL,
    payload       text        NOT NULL, -- canonical JSON (sorted keys), exactly the bytes that were hashed
    previous_hash text        NOT NULL,
    hash          text        NOT NULL,
    UNIQUE (stream, sequence)
);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
