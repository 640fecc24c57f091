-- Issue 19: the KPI report's proposals per state and per cluster read from counts kept beside the proposals,
-- instead of two scans of every proposal at each report.
--
-- The counts are sharded (32 rows per cluster and state, the shard from the proposal's id, so a proposal's -1 and
-- +1 land in the same shard): concurrent state changes of different proposals rarely wait on the same row. They
-- are kept by statement-level triggers over the transition tables, so a bulk statement (a restore, a benchmark's
-- copy) adds one aggregated change per cluster, state and shard, taken in that order, and an update that changes
-- no proposal's state or cluster writes nothing. The report sums them; `rrfctl report kpis --recompute` checks the
-- sums against count(*) over the proposals.
CREATE TABLE proposal_state_counts (
    cluster   text     NOT NULL,
    state     text     NOT NULL,
    shard     smallint NOT NULL CONSTRAINT proposal_state_counts_shard_range CHECK (shard BETWEEN 0 AND 31),
    proposals bigint   NOT NULL,
    CONSTRAINT proposal_state_counts_key PRIMARY KEY (cluster, state, shard)
);
GRANT SELECT, INSERT, UPDATE ON proposal_state_counts TO rrf_app;

CREATE FUNCTION proposal_state_shard(proposal uuid) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
    SELECT (abs(hashtext(proposal::text)::bigint) % 32)::smallint
$$;

CREATE FUNCTION proposal_state_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO proposal_state_counts AS c (cluster, state, shard, proposals)
        SELECT cluster, state, proposal_state_shard(id), count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (cluster, state, shard) DO UPDATE SET proposals = c.proposals + EXCLUDED.proposals;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO proposal_state_counts AS c (cluster, state, shard, proposals)
        SELECT d.cluster, d.state, d.shard, sum(d.change) FROM (
            SELECT o.cluster, o.state, proposal_state_shard(o.id) AS shard, -1 AS change
            FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE (o.cluster, o.state) IS DISTINCT FROM (n.cluster, n.state)
            UNION ALL
            SELECT n.cluster, n.state, proposal_state_shard(n.id), 1
            FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE (o.cluster, o.state) IS DISTINCT FROM (n.cluster, n.state)
        ) AS d GROUP BY 1, 2, 3 HAVING sum(d.change) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (cluster, state, shard) DO UPDATE SET proposals = c.proposals + EXCLUDED.proposals;
    ELSE
        INSERT INTO proposal_state_counts AS c (cluster, state, shard, proposals)
        SELECT cluster, state, proposal_state_shard(id), -count(*) FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (cluster, state, shard) DO UPDATE SET proposals = c.proposals + EXCLUDED.proposals;
    END IF;
    RETURN NULL;
END
$$;

-- No proposal changes between the copy below and the triggers (the migration is one transaction).
LOCK TABLE proposals IN SHARE ROW EXCLUSIVE MODE;
CREATE TRIGGER proposal_state_counts_insert AFTER INSERT ON proposals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proposal_state_counts_follow();
CREATE TRIGGER proposal_state_counts_update AFTER UPDATE ON proposals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proposal_state_counts_follow();
CREATE TRIGGER proposal_state_counts_delete AFTER DELETE ON proposals REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proposal_state_counts_follow();

INSERT INTO proposal_state_counts (cluster, state, shard, proposals)
SELECT cluster, state, proposal_state_shard(id), count(*) FROM proposals GROUP BY 1, 2, 3;
