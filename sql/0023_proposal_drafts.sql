-- Issue 15: an NGO saves a proposal as a draft (from the portal, over a slow connection, in several sittings)
-- before submitting it. A draft has no reference yet and may be incomplete: its content is the submission's
-- JSON, checked in full only when it is submitted (then it becomes a proposal and the draft row goes).
CREATE TABLE proposal_drafts (
    id              uuid        PRIMARY KEY,
    organisation_id uuid        NOT NULL REFERENCES organisations (id),
    call_id         uuid        NOT NULL REFERENCES calls (id),
    content         jsonb       NOT NULL,
    created_by      uuid        NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    version         integer     NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX proposal_drafts_by_organisation ON proposal_drafts (organisation_id, updated_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON proposal_drafts TO rrf_app;
ALTER TABLE proposal_drafts ENABLE ROW LEVEL SECURITY;
CREATE POLICY proposal_drafts_scope ON proposal_drafts TO rrf_app USING (rrf_may_see(organisation_id));
