-- Issue 19: the KPI report's durations stored when they happen, so the report reads order statistics from an
-- index instead of counting every decided proposal in the business calendar at each call.
--
-- One row per proposal and measure:
--   * decision: submission → decision of the current round (written with the decision, removed when the
--     proposal is resubmitted, as the proposal's own decided_at is);
--   * first_release: submission → the grant's first released tranche (written with that release).
-- started_at, ended_at and due_at copy the instants the report's full computation reads; business_seconds and
-- within_sla are counted by RRFStore in the fund's BusinessCalendar, whose fingerprint is `calendar`. A row not
-- yet counted (NULL calendar: the rows this migration copies) or counted in another calendar is counted again by
-- the next KPI report, in the report's calendar, before it reads the figures. The copy below is inserted before
-- the triggers of kpi_span_hours exist, and uncounted rows are never in kpi_span_hours anyway.
CREATE TABLE kpi_spans (
    proposal_id      uuid             NOT NULL REFERENCES proposals (id),
    measure          text             NOT NULL CONSTRAINT kpi_spans_measure_known CHECK (measure IN ('decision', 'first_release')),
    call_kind        text             NOT NULL CONSTRAINT kpi_spans_call_kind_known CHECK (call_kind IN ('standard', 'reserve')),
    started_at       timestamptz      NOT NULL,
    ended_at         timestamptz      NOT NULL,
    due_at           timestamptz      NOT NULL,
    calendar         text,
    business_seconds double precision,
    within_sla       boolean,
    -- The business hour the span ends in (seconds / 3600, rounded down): its row of kpi_span_hours.
    hour             integer          GENERATED ALWAYS AS (floor(business_seconds / 3600)::integer) STORED,
    CONSTRAINT kpi_spans_key PRIMARY KEY (proposal_id, measure),
    CONSTRAINT kpi_spans_counted CHECK ((calendar IS NULL) = (business_seconds IS NULL) AND (calendar IS NULL) = (within_sla IS NULL)),
    CONSTRAINT kpi_spans_seconds_not_negative CHECK (business_seconds >= 0)
);
-- The spans in their order (hour, then seconds: the same order as by seconds alone), per call kind and over all
-- kinds; the leading calendar also finds the rows to count.
CREATE INDEX kpi_spans_by_kind ON kpi_spans (calendar, measure, call_kind, hour, business_seconds);
CREATE INDEX kpi_spans_by_measure ON kpi_spans (calendar, measure, hour, business_seconds);

-- How many counted spans (and how many of them within their SLA) fall in each business hour, per calendar, measure
-- and call kind: the report finds the hour that holds a median or a percentile here, then walks that hour alone
-- in the index. Sharded (32 rows per hour, the shard from the proposal's id) so concurrent decisions and releases
-- rarely wait on one row; kept by statement-level triggers over the transition tables (a bulk statement adds one
-- change per row of this table, in key order).
CREATE TABLE kpi_span_hours (
    calendar   text     NOT NULL,
    measure    text     NOT NULL,
    call_kind  text     NOT NULL,
    hour       integer  NOT NULL,
    shard      smallint NOT NULL CONSTRAINT kpi_span_hours_shard_range CHECK (shard BETWEEN 0 AND 31),
    spans      bigint   NOT NULL,
    within_sla bigint   NOT NULL,
    CONSTRAINT kpi_span_hours_key PRIMARY KEY (calendar, measure, call_kind, hour, shard)
);
GRANT SELECT, INSERT, UPDATE ON kpi_span_hours TO rrf_app;

CREATE FUNCTION kpi_span_hours_shard(proposal uuid) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
    SELECT (abs(hashtext(proposal::text)::bigint) % 32)::smallint
$$;

-- Adds the changes in `changes` (calendar, measure, call_kind, hour, shard, spans, within_sla), in key order.
CREATE FUNCTION kpi_span_hours_add(changes jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO kpi_span_hours AS h (calendar, measure, call_kind, hour, shard, spans, within_sla)
    SELECT c.calendar, c.measure, c.call_kind, c.hour, c.shard, sum(c.spans), sum(c.within_sla)
    FROM jsonb_to_recordset(changes) AS c (calendar text, measure text, call_kind text, hour integer, shard smallint, spans bigint, within_sla bigint)
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.spans) <> 0 OR sum(c.within_sla) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (calendar, measure, call_kind, hour, shard) DO UPDATE
        SET spans = h.spans + EXCLUDED.spans, within_sla = h.within_sla + EXCLUDED.within_sla
$$;

CREATE FUNCTION kpi_span_hours_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    removed jsonb := '[]';
    added jsonb := '[]';
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'calendar', calendar, 'measure', measure, 'call_kind', call_kind, 'hour', hour, 'shard', kpi_span_hours_shard(proposal_id),
                   'spans', -1, 'within_sla', CASE WHEN within_sla THEN -1 ELSE 0 END)), '[]')
        INTO removed FROM old_rows WHERE calendar IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'calendar', calendar, 'measure', measure, 'call_kind', call_kind, 'hour', hour, 'shard', kpi_span_hours_shard(proposal_id),
                   'spans', 1, 'within_sla', CASE WHEN within_sla THEN 1 ELSE 0 END)), '[]')
        INTO added FROM new_rows WHERE calendar IS NOT NULL;
    END IF;
    PERFORM kpi_span_hours_add(removed || added);
    RETURN NULL;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON kpi_spans TO rrf_app;

INSERT INTO kpi_spans (proposal_id, measure, call_kind, started_at, ended_at, due_at)
SELECT p.id, 'decision', c.kind, p.submitted_at, p.decided_at, p.decision_due
FROM proposals p JOIN calls c ON c.id = p.call_id
WHERE p.decided_at IS NOT NULL;

INSERT INTO kpi_spans (proposal_id, measure, call_kind, started_at, ended_at, due_at)
SELECT p.id, 'first_release', c.kind, p.submitted_at, min(t.released_at), p.decision_due
FROM grants g JOIN proposals p ON p.id = g.proposal_id JOIN calls c ON c.id = g.call_id
JOIN tranches t ON t.grant_id = g.id AND t.state = 'released'
GROUP BY p.id, c.kind, p.submitted_at, p.decision_due;

CREATE TRIGGER kpi_span_hours_insert AFTER INSERT ON kpi_spans REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_span_hours_follow();
CREATE TRIGGER kpi_span_hours_update AFTER UPDATE ON kpi_spans REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_span_hours_follow();
CREATE TRIGGER kpi_span_hours_delete AFTER DELETE ON kpi_spans REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_span_hours_follow();
