-- The fund's tranche policy as configuration: versioned, each version kept, changed only through
-- `FundStore.changeTranchePolicy` (admin or fund manager, audited on stream `fund:tranche-policy`).
-- A grant keeps the version it was signed under: its tranche plan, report schedule and spending threshold
-- are the terms of its agreement.
CREATE TABLE tranche_policies (
    version     integer     PRIMARY KEY CONSTRAINT tranche_policies_version_positive CHECK (version >= 1),
    policy      jsonb       NOT NULL CONSTRAINT tranche_policies_policy_object CHECK (jsonb_typeof(policy) = 'object'),
    reason      text        NOT NULL CONSTRAINT tranche_policies_reason_present CHECK (length(btrim(reason)) > 0),
    changed_by  uuid        REFERENCES users (id),
    changed_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO tranche_policies (version, policy, reason) VALUES (1, '{
    "percentages": {"low": [70, 30], "medium": [50, 30, 20], "high": [40, 30, 20, 10]},
    "spendThresholdPercent": 70,
    "interimReportMonths": {"low": 6, "medium": 3, "high": 2}
}', 'The fund''s default policy.');

-- Set when the agreement is signed.
ALTER TABLE grants ADD COLUMN policy_version integer REFERENCES tranche_policies (version);
UPDATE grants SET policy_version = 1 WHERE signed_on IS NOT NULL;
ALTER TABLE grants ADD CONSTRAINT grants_policy_when_signed CHECK ((signed_on IS NULL) = (policy_version IS NULL));

-- A report the organisation no longer owes because its grant ended before it was accepted.
ALTER TABLE grant_reports DROP CONSTRAINT grant_reports_state_known;
ALTER TABLE grant_reports ADD CONSTRAINT grant_reports_state_known CHECK (
    state IN ('scheduled', 'due', 'submitted', 'accepted', 'returned', 'waived'));
ALTER TABLE grant_reports DROP CONSTRAINT grant_reports_submission_recorded;
ALTER TABLE grant_reports ADD CONSTRAINT grant_reports_submission_recorded CHECK (
    state IN ('scheduled', 'due', 'waived') OR (narrative IS NOT NULL AND spent_minor IS NOT NULL AND submitted_at IS NOT NULL));
ALTER TABLE grant_reports ADD CONSTRAINT grant_reports_waiver_reason CHECK (
    state <> 'waived' OR length(btrim(coalesce(comment, ''))) > 0);
