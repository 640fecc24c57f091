-- Partners (organisations), users and their roles, calls with their envelopes per cluster, and proposals.
-- The commands in RRFStore enforce the rules and give the sentences; the constraints below are the last
-- line of defence for what the schema can express. Constraint names are mapped to sentences in
-- RRFStore/ConstraintMessages.swift: keep them in step.

CREATE TABLE organisations (
    id                    uuid        PRIMARY KEY,
    code                  text        NOT NULL CONSTRAINT organisations_code_key UNIQUE
                                      CONSTRAINT organisations_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
    name                  text        NOT NULL CONSTRAINT organisations_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    country               text        NOT NULL CONSTRAINT organisations_country_format CHECK (country ~ '^[A-Z]{2}$'),
    state                 text        NOT NULL DEFAULT 'registered'
                                      CONSTRAINT organisations_state_known CHECK (state IN ('registered', 'assessed', 'reassessed', 'ineligible', 'suspended')),
    risk                  text        CONSTRAINT organisations_risk_known CHECK (risk IN ('low', 'medium', 'high')),
    assessed_on           date,
    due_diligence_expires date,
    ineligible_until      date,
    reason                text,
    version               integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at            timestamptz NOT NULL DEFAULT now(),
    -- An assessment (risk, day, expiry) exactly while assessed, reassessed or suspended.
    CONSTRAINT organisations_assessment_consistent CHECK (
        (state IN ('assessed', 'reassessed', 'suspended'))
        = (risk IS NOT NULL AND assessed_on IS NOT NULL AND due_diligence_expires IS NOT NULL)),
    CONSTRAINT organisations_expiry_after_assessment CHECK (due_diligence_expires > assessed_on),
    CONSTRAINT organisations_ineligible_until_present CHECK ((state = 'ineligible') = (ineligible_until IS NOT NULL)),
    CONSTRAINT organisations_reason_present CHECK (
        state NOT IN ('ineligible', 'suspended') OR length(btrim(coalesce(reason, ''))) > 0)
);

CREATE TABLE users (
    id           uuid        PRIMARY KEY,
    login        text        NOT NULL CONSTRAINT users_login_key UNIQUE
                             CONSTRAINT users_login_format CHECK (login ~ '^[a-z0-9][a-z0-9._@-]{0,63}$'),
    display_name text        NOT NULL CONSTRAINT users_display_name_length CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    email        text        CONSTRAINT users_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    text NOT NULL CONSTRAINT user_roles_role_known CHECK (
        role IN ('admin', 'secretariat', 'reviewer', 'fund_manager', 'finance_officer', 'trainer', 'ngo_user')),
    PRIMARY KEY (user_id, role)
);

-- Affiliation: the organisations a user belongs to (exactly one for an ngo_user, checked by the commands).
CREATE TABLE user_organisations (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX user_organisations_by_organisation ON user_organisations (organisation_id);

CREATE TABLE calls (
    id                  uuid        PRIMARY KEY,
    code                text        NOT NULL CONSTRAINT calls_code_key UNIQUE
                                    CONSTRAINT calls_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
    title               text        NOT NULL CONSTRAINT calls_title_length CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    kind                text        NOT NULL CONSTRAINT calls_kind_known CHECK (kind IN ('standard', 'reserve')),
    currency            char(3)     NOT NULL CONSTRAINT calls_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    ceiling_minor       bigint      NOT NULL CONSTRAINT calls_ceiling_positive CHECK (ceiling_minor > 0),
    submission_deadline timestamptz NOT NULL,
    review_deadline     timestamptz NOT NULL,
    decision_sla_unit   text        NOT NULL CONSTRAINT calls_decision_sla_unit_known CHECK (decision_sla_unit IN ('business_hours', 'business_days')),
    decision_sla_amount integer     NOT NULL CONSTRAINT calls_decision_sla_positive CHECK (decision_sla_amount > 0),
    scorecard           jsonb       NOT NULL CONSTRAINT calls_scorecard_object CHECK (jsonb_typeof(scorecard) = 'object'),
    quorum              integer     NOT NULL DEFAULT 3 CONSTRAINT calls_quorum_positive CHECK (quorum >= 1),
    divergence_spread   integer     NOT NULL DEFAULT 25 CONSTRAINT calls_divergence_spread_range CHECK (divergence_spread BETWEEN 0 AND 100),
    state               text        NOT NULL DEFAULT 'draft'
                                    CONSTRAINT calls_state_known CHECK (state IN ('draft', 'open', 'closed', 'decided', 'archived')),
    version             integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calls_deadlines_ordered CHECK (review_deadline > submission_deadline),
    -- Target of proposals_currency_of_call.
    CONSTRAINT calls_id_currency_key UNIQUE (id, currency)
);

-- The budget envelope of each funded cluster of a call; committed grows with approvals.
CREATE TABLE call_envelopes (
    call_id         uuid   NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    cluster         text   NOT NULL CONSTRAINT call_envelopes_cluster_known CHECK (cluster IN (
        'health', 'wash', 'shelter', 'protection', 'food_security', 'nutrition', 'education', 'logistics',
        'camp_coordination', 'early_recovery', 'emergency_telecommunications')),
    amount_minor    bigint NOT NULL CONSTRAINT call_envelopes_amount_not_negative CHECK (amount_minor >= 0),
    committed_minor bigint NOT NULL DEFAULT 0 CONSTRAINT call_envelopes_committed_not_negative CHECK (committed_minor >= 0),
    CONSTRAINT call_envelopes_committed_within_amount CHECK (committed_minor <= amount_minor),
    PRIMARY KEY (call_id, cluster)
);

-- Per prefix and year, the last sequence number handed out for proposal references (RRF-2026-0042).
CREATE TABLE proposal_reference_counters (
    prefix        text    NOT NULL,
    year          integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    last_sequence integer NOT NULL CHECK (last_sequence >= 1),
    PRIMARY KEY (prefix, year)
);

CREATE TABLE proposals (
    id                uuid        PRIMARY KEY,
    reference         text        NOT NULL CONSTRAINT proposals_reference_key UNIQUE
                                  CONSTRAINT proposals_reference_format CHECK (reference ~ '^[A-Z][A-Z0-9]{0,11}-[0-9]{4}-[0-9]{4,9}$'),
    organisation_id   uuid        NOT NULL REFERENCES organisations (id),
    call_id           uuid        NOT NULL REFERENCES calls (id),
    cluster           text        NOT NULL,
    title             text        NOT NULL CONSTRAINT proposals_title_length CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    summary           text        NOT NULL DEFAULT '' CONSTRAINT proposals_summary_length CHECK (length(summary) <= 20000),
    locations         text[]      NOT NULL CONSTRAINT proposals_locations_present CHECK (cardinality(locations) BETWEEN 1 AND 200),
    beneficiaries     integer     NOT NULL CONSTRAINT proposals_beneficiaries_positive CHECK (beneficiaries > 0),
    requested_minor   bigint      NOT NULL CONSTRAINT proposals_requested_positive CHECK (requested_minor > 0),
    currency          char(3)     NOT NULL CONSTRAINT proposals_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    duration_months   integer     NOT NULL CONSTRAINT proposals_duration_range CHECK (duration_months BETWEEN 1 AND 24),
    budget_lines      jsonb       NOT NULL CONSTRAINT proposals_budget_lines_present CHECK (
        jsonb_typeof(budget_lines) = 'array' AND jsonb_array_length(budget_lines) >= 1),
    state             text        NOT NULL CONSTRAINT proposals_state_known CHECK (state IN (
        'draft', 'submitted', 'in_review', 'scored', 'approved', 'rejected', 'ineligible', 'revision_requested',
        'resubmitted', 'withdrawn')),
    round             integer     NOT NULL DEFAULT 1 CONSTRAINT proposals_round_positive CHECK (round >= 1),
    submitted_by      uuid        NOT NULL REFERENCES users (id),
    submitted_at      timestamptz NOT NULL,
    decision_due      timestamptz NOT NULL,
    screening_reason  text,
    withdrawal_reason text,
    -- The decision of the current round (approve | reject | request_revision), who and when.
    decision          text        CONSTRAINT proposals_decision_known CHECK (decision IN ('approve', 'reject', 'request_revision')),
    decided_by        uuid        REFERENCES users (id),
    decided_at        timestamptz,
    approved_minor    bigint      CONSTRAINT proposals_approved_positive CHECK (approved_minor > 0),
    justification     text,
    version           integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- A proposal is in its call's currency and goes to a cluster the call funds.
    CONSTRAINT proposals_currency_of_call FOREIGN KEY (call_id, currency) REFERENCES calls (id, currency),
    CONSTRAINT proposals_cluster_funded FOREIGN KEY (call_id, cluster) REFERENCES call_envelopes (call_id, cluster),
    CONSTRAINT proposals_approved_within_request CHECK (approved_minor <= requested_minor),
    CONSTRAINT proposals_approved_amount_iff_approval CHECK ((decision IS NOT DISTINCT FROM 'approve') = (approved_minor IS NOT NULL)),
    CONSTRAINT proposals_decision_recorded CHECK (
        state NOT IN ('approved', 'rejected', 'revision_requested')
        OR (decision IS NOT NULL AND decided_by IS NOT NULL AND decided_at IS NOT NULL
           AND length(btrim(coalesce(justification, ''))) > 0)),
    CONSTRAINT proposals_decision_matches_state CHECK (
        decision IS NULL
        OR (decision = 'approve' AND state = 'approved')
        OR (decision = 'reject' AND state = 'rejected')
        -- a proposal sent back for revision may be withdrawn instead of resubmitted
        OR (decision = 'request_revision' AND state IN ('revision_requested', 'withdrawn'))),
    CONSTRAINT proposals_screening_reason_present CHECK (
        state <> 'ineligible' OR length(btrim(coalesce(screening_reason, ''))) > 0),
    CONSTRAINT proposals_withdrawal_reason_present CHECK (
        state <> 'withdrawn' OR length(btrim(coalesce(withdrawal_reason, ''))) > 0)
);
CREATE INDEX proposals_by_call_cluster ON proposals (call_id, cluster, state);
CREATE INDEX proposals_by_organisation ON proposals (organisation_id);
CREATE INDEX proposals_by_state ON proposals (state, submitted_at);
