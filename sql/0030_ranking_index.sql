-- A call's ranking reads only its ranked proposals (state scored, approved or rejected). The index on (call_id,
-- cluster, state) made it read the call's whole range, every submitted and draft proposal included; with state
-- second, the three states are three short ranges. (A partial index on the ranked states alone was tried and
-- dropped: the planner then chose it for the proposal list filtered by state and cluster, 63 ms instead of 7 ms.)
CREATE INDEX proposals_by_call_state ON proposals (call_id, state, cluster);
