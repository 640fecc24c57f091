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
-- the next KPI report, in the report's calendar, before it reads the figures.
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
    CONSTRAINT kpi_spans_key PRIMARY KEY (proposal_id, measure),
    CONSTRAINT kpi_spans_counted CHECK ((calendar IS NULL) = (business_seconds IS NULL) AND (calendar IS NULL) = (within_sla IS NULL)),
    CONSTRAINT kpi_spans_seconds_not_negative CHECK (business_seconds >= 0)
);
-- Counts and order statistics per call kind, and over all kinds; the leading calendar also finds rows to count.
CREATE INDEX kpi_spans_by_kind ON kpi_spans (calendar, measure, call_kind, business_seconds) INCLUDE (within_sla);
CREATE INDEX kpi_spans_by_measure ON kpi_spans (calendar, measure, business_seconds);

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
