-- Issue 18: the audit log holds even against the application's own database role.
--   * Events are appended only through audit_append(), which runs as the owner of the log (SECURITY DEFINER)
--     and computes the sequence, the previous hash, the hash and the time the event was recorded itself;
--     rrf_app may call it but has no INSERT on audit_events and cannot move the id sequence.
--   * The hash of an appended event (hash_version 2) also covers its id and the time it was recorded, so
--     swapping ids or re-dating an event breaks its chain. Events written before this migration keep their
--     version 1 hash; `rrfctl audit verify --anchors` requires every version 1 event to be covered by a
--     signed checkpoint.
--   * Every ledger movement is recorded by an event of its own stream (`movement:<transaction id>`), so a
--     balanced movement written beside the application is found by `ledger verify` and `audit verify`.

ALTER TABLE audit_events ADD COLUMN hash_version smallint NOT NULL DEFAULT 1
    CONSTRAINT audit_events_hash_version_known CHECK (hash_version IN (1, 2));
ALTER TABLE audit_events ADD COLUMN recorded_at timestamptz;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_version_2_recorded CHECK (hash_version = 1 OR recorded_at IS NOT NULL);

-- The text a version 2 hash is the SHA-256 of (lowercase hex): the previous hash, a newline, and the JSON array
-- [id, stream, sequence, type, actor, occurred (µs since 1970), recorded (µs since 1970), payload], texts as
-- JSON strings the way to_json writes them. RRFStore's AuditLog.hashOf computes the same bytes to verify.
CREATE FUNCTION audit_event_hash(
    previous_hash text, id bigint, stream text, sequence integer, event_type text, actor text,
    occurred_micros bigint, recorded_micros bigint, payload text
) RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog AS $$
    SELECT encode(sha256(convert_to(
        previous_hash || E'\n[' || id::text || ',' || to_json(stream)::text || ',' || sequence::text || ','
            || to_json(event_type)::text || ',' || to_json(actor)::text || ',' || occurred_micros::text || ','
            || recorded_micros::text || ',' || to_json(payload)::text || ']',
        'UTF8')), 'hex')
$$;

-- Appends one event to `stream` and answers where it went. Appends to one stream are serialised by a
-- transaction-level advisory lock on the stream's name, so chains of different streams never contend.
CREATE FUNCTION audit_append(
    stream text, event_type text, actor text, occurred_micros bigint, payload text,
    OUT event_id bigint, OUT event_sequence integer, OUT event_previous_hash text, OUT event_hash text,
    OUT recorded_micros bigint
) LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    recorded timestamptz := clock_timestamp();
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(audit_append.stream, 0));
    SELECT e.sequence + 1, e.hash INTO event_sequence, event_previous_hash
    FROM public.audit_events e WHERE e.stream = audit_append.stream ORDER BY e.sequence DESC LIMIT 1;
    IF NOT FOUND THEN
        event_sequence := 1;
        event_previous_hash := repeat('0', 64);
    END IF;
    event_id := nextval(pg_get_serial_sequence('public.audit_events', 'id'));
    recorded_micros := (extract(epoch FROM recorded) * 1000000)::bigint;
    event_hash := audit_event_hash(
        event_previous_hash, event_id, audit_append.stream, event_sequence, audit_append.event_type, audit_append.actor,
        audit_append.occurred_micros, recorded_micros, audit_append.payload
    );
    INSERT INTO public.audit_events (
        id, stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash, hash_version, recorded_at
    ) OVERRIDING SYSTEM VALUE VALUES (
        event_id, audit_append.stream, event_sequence, audit_append.event_type, audit_append.actor,
        timestamptz 'epoch' + audit_append.occurred_micros * interval '1 microsecond', audit_append.payload,
        event_previous_hash, event_hash, 2, recorded
    );
END
$$;

REVOKE ALL ON FUNCTION audit_append(text, text, text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(text, text, text, bigint, text) TO rrf_app;
REVOKE INSERT ON audit_events FROM rrf_app;
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM rrf_app', pg_get_serial_sequence('public.audit_events', 'id'));
END
$$;

-- The payload of a movement's event: the movement as its rows hold it (RRFStore appends it in the same
-- transaction as the movement; `ledger verify` compares every movement with its event).
CREATE FUNCTION ledger_posting_payload(transaction_id bigint) RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, public AS $$
    SELECT json_build_object(
        'actor', t.actor,
        'entries', (SELECT json_agg(json_build_array(a.code, e.currency, e.amount_minor) ORDER BY a.code, e.amount_minor, e.id)
                    FROM public.ledger_entries e JOIN public.ledger_accounts a ON a.id = e.account_id WHERE e.transaction_id = t.id),
        'kind', t.kind, 'memo', t.memo, 'occurredAt', (extract(epoch FROM t.occurred_at) * 1000000)::bigint,
        'proposal', t.proposal_id, 'transaction', t.id
    )::text
    FROM public.ledger_transactions t WHERE t.id = ledger_posting_payload.transaction_id
$$;

-- Movements written before this migration get their event now.
SELECT audit_append('movement:' || t.id, 'ledger.posted', t.actor, (extract(epoch FROM t.occurred_at) * 1000000)::bigint, ledger_posting_payload(t.id))
FROM ledger_transactions t ORDER BY t.id;
