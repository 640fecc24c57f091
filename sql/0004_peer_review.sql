-- Peer review: committees per call and cluster (or standing per cluster across calls), their members and
-- chair, conflict-of-interest declarations, review assignments and score sheets per (proposal, round,
-- reviewer), and the committee's aggregate per (proposal, round). The rules and sentences are in
-- RRFStore/FundStore+Reviews.swift; the constraints and triggers below are the last line of defence.

CREATE TABLE committees (
    id              uuid        PRIMARY KEY,
    code            text        NOT NULL CONSTRAINT committees_code_key UNIQUE
                                CONSTRAINT committees_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
    -- NULL: a standing committee of the cluster, reviewing for every call without a committee of its own.
    call_id         uuid        REFERENCES calls (id),
    cluster         text        NOT NULL CONSTRAINT committees_cluster_known CHECK (cluster IN (
        'health', 'wash', 'shelter', 'protection', 'food_security', 'nutrition', 'education', 'logistics',
        'camp_coordination', 'early_recovery', 'emergency_telecommunications')),
    chair_id        uuid        REFERENCES users (id),
    -- NULL: the call's quorum / review deadline.
    quorum          integer     CONSTRAINT committees_quorum_positive CHECK (quorum >= 1),
    review_deadline timestamptz,
    version         integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX committees_one_per_call_cluster ON committees (call_id, cluster) WHERE call_id IS NOT NULL;
CREATE UNIQUE INDEX committees_one_standing_per_cluster ON committees (cluster) WHERE call_id IS NULL;

CREATE TABLE committee_members (
    committee_id uuid        NOT NULL REFERENCES committees (id) ON DELETE CASCADE,
    user_id      uuid        NOT NULL REFERENCES users (id),
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (committee_id, user_id)
);
CREATE INDEX committee_members_by_user ON committee_members (user_id);

-- The chair is a member.
ALTER TABLE committees ADD CONSTRAINT committees_chair_is_member
    FOREIGN KEY (id, chair_id) REFERENCES committee_members (committee_id, user_id) DEFERRABLE INITIALLY DEFERRED;

-- A reviewer's declared conflict of interest with an organisation (applies in every committee).
CREATE TABLE conflict_declarations (
    user_id         uuid        NOT NULL REFERENCES users (id),
    organisation_id uuid        NOT NULL REFERENCES organisations (id),
    reason          text        NOT NULL CONSTRAINT conflict_declarations_reason_present CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    declared_on     date        NOT NULL,
    recorded_by     uuid        REFERENCES users (id),
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX conflict_declarations_by_organisation ON conflict_declarations (organisation_id);

CREATE TABLE reviews (
    id                 uuid        PRIMARY KEY,
    proposal_id        uuid        NOT NULL REFERENCES proposals (id),
    round              integer     NOT NULL CHECK (round >= 1),
    reviewer_id        uuid        NOT NULL REFERENCES users (id),
    committee_id       uuid        NOT NULL REFERENCES committees (id),
    state              text        NOT NULL CONSTRAINT reviews_state_known CHECK (state IN ('assigned', 'submitted', 'recused')),
    due_at             timestamptz NOT NULL,
    -- NULL: assigned by the system (the daemon).
    assigned_by        uuid        REFERENCES users (id),
    assigned_at        timestamptz NOT NULL,
    -- criterion id → score / comment.
    scores             jsonb,
    comments           jsonb,
    general_comments   text,
    submitted_at       timestamptz,
    -- Who typed the scores: the reviewer, or the secretariat on the reviewer's behalf.
    entered_by         uuid        REFERENCES users (id),
    -- The weighted total (hundredths of a point on 0…100) when the review was last aggregated.
    total_hundredths   integer,
    recusal_reason     text,
    recused_at         timestamptz,
    -- Set when the reviewer declared a conflict with the proposal's organisation after the assignment: the
    -- review is blocked (assigned) or no longer counts (submitted).
    conflicted_at      timestamptz,
    version            integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    CONSTRAINT reviews_one_per_reviewer_round UNIQUE (proposal_id, round, reviewer_id),
    CONSTRAINT reviews_submission_recorded CHECK (
        (state = 'submitted') = (scores IS NOT NULL AND submitted_at IS NOT NULL AND entered_by IS NOT NULL)),
    CONSTRAINT reviews_recusal_reason_present CHECK (
        (state = 'recused') = (length(btrim(coalesce(recusal_reason, ''))) > 0 AND recused_at IS NOT NULL))
);
CREATE INDEX reviews_by_reviewer_state ON reviews (reviewer_id, state);
CREATE INDEX reviews_by_proposal_round ON reviews (proposal_id, round);

-- The committee's aggregate of a proposal round (see RRFWorkflow ReviewAggregation).
CREATE TABLE review_aggregates (
    proposal_id          uuid        NOT NULL REFERENCES proposals (id),
    round                integer     NOT NULL CHECK (round >= 1),
    reviews_counted      integer     NOT NULL CHECK (reviews_counted >= 1),
    mean_hundredths      integer     NOT NULL,
    std_dev_hundredths   integer     NOT NULL,
    spread_hundredths    integer     NOT NULL,
    divergent            boolean     NOT NULL,
    passes               boolean     NOT NULL,
    -- The full ReviewAggregation as JSON (totals in the order of review_ids).
    aggregation          jsonb       NOT NULL,
    review_ids           uuid[]      NOT NULL,
    computed_at          timestamptz NOT NULL,
    PRIMARY KEY (proposal_id, round)
);

-- The scorecard is fixed before the first review: once a proposal of the call has a review, it cannot change.
CREATE FUNCTION calls_scorecard_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reviews r JOIN proposals p ON p.id = r.proposal_id WHERE p.call_id = NEW.id) THEN
        RAISE EXCEPTION 'the scorecard of call % cannot change: reviews exist', NEW.code
            USING ERRCODE = 'check_violation', CONSTRAINT = 'calls_scorecard_fixed';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER calls_scorecard_fixed BEFORE UPDATE OF scorecard ON calls
    FOR EACH ROW WHEN (OLD.scorecard IS DISTINCT FROM NEW.scorecard) EXECUTE FUNCTION calls_scorecard_fixed();

-- A review never counts for a reviewer with a declared conflict with the proposal's organisation.
CREATE FUNCTION reviews_no_conflicted_submission() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'submitted' AND NEW.conflicted_at IS NULL AND EXISTS (
        SELECT 1 FROM proposals p
        WHERE p.id = NEW.proposal_id
          AND (EXISTS (SELECT 1 FROM conflict_declarations d WHERE d.user_id = NEW.reviewer_id AND d.organisation_id = p.organisation_id)
               OR EXISTS (SELECT 1 FROM user_organisations u WHERE u.user_id = NEW.reviewer_id AND u.organisation_id = p.organisation_id)))
    THEN
        RAISE EXCEPTION 'reviewer % has a conflict of interest with the organisation of proposal %', NEW.reviewer_id, NEW.proposal_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'reviews_reviewer_not_conflicted';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER reviews_no_conflicted_submission BEFORE INSERT OR UPDATE OF state, conflicted_at ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_no_conflicted_submission();
