-- Issue 18, item 4: three roles, each with what it needs (deploy/roles.sql creates them with LOGIN for a
-- production server; a development or test cluster gets them here without):
--   * the owner (whoever runs the migrations, rrf_owner in production) owns the schema and the audit log;
--   * rrf_app (rrfd, rrfweb, rrfctl) reads and writes the fund's rows, never the schema, the audit log
--     (only through audit_append, sql/0025) or the recorded migrations, which it may read to know the schema is
--     current;
--   * rrf_read (reports, exports, a donor's dashboard) reads every row of the fund, but no secret: no password
--     or token hash, no one-time-password seed, no outbox message (invitations carry one-time links).
-- A table added later that holds a secret must REVOKE SELECT from rrf_read in its own migration.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rrf_read') THEN
        BEGIN
            CREATE ROLE rrf_read NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another database of this cluster created it at the same moment
        END;
    END IF;
END
$$;

GRANT SELECT ON schema_migrations TO rrf_app;

GRANT USAGE ON SCHEMA public TO rrf_read;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO rrf_read;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO rrf_read;
REVOKE SELECT ON user_credentials, credential_links, access_tokens, recovery_codes, notifications FROM rrf_read;
REVOKE EXECUTE ON FUNCTION audit_append(text, text, text, bigint, text) FROM rrf_read;

-- Row-level security confines rrf_app to what its caller may see; reporting sees the whole fund.
CREATE POLICY proposals_reporting ON proposals FOR SELECT TO rrf_read USING (true);
CREATE POLICY grants_reporting ON grants FOR SELECT TO rrf_read USING (true);
CREATE POLICY tranches_reporting ON tranches FOR SELECT TO rrf_read USING (true);
CREATE POLICY grant_reports_reporting ON grant_reports FOR SELECT TO rrf_read USING (true);
CREATE POLICY training_attendance_reporting ON training_attendance FOR SELECT TO rrf_read USING (true);
CREATE POLICY training_certificates_reporting ON training_certificates FOR SELECT TO rrf_read USING (true);
CREATE POLICY proposal_drafts_reporting ON proposal_drafts FOR SELECT TO rrf_read USING (true);
