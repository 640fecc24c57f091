-- Keyset pages of a filtered list read their rows in the list's order straight from an index: the proposal
-- list by state (a fund manager's "scored", the secretariat's "submitted") is ordered by reference.
CREATE INDEX proposals_by_state_reference ON proposals (state, reference);
