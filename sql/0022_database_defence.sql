-- Issue 14, defence in depth: the application's statements run as the role rrf_app (RRFStore sets it per
-- transaction with set_config('role', ...)), which
--   * sees an NGO user's rows only for their organisation (row-level security keyed on rrf.scope, which
--     RRFStore sets per transaction: 'fund' or 'organisation:<uuid>'; unset, nothing is visible);
--   * cannot UPDATE or DELETE audit events, ledger entries and transactions, or the security log;
--   * cannot rewrite a tranche's approval or release once set (trigger, for every role).
-- Whoever runs the migrations owns the tables and must be a member of rrf_app (deploy/roles.sql grants it).

-- deploy/roles.sql creates it (with LOGIN, for rrfd and rrfctl) before the first migration; a development or
-- test cluster gets it here.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rrf_app') THEN
        BEGIN
            CREATE ROLE rrf_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another database of this cluster created it at the same moment
        END;
    END IF;
END
$$;

DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'rrf_app', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT rrf_app TO %I', current_user);
        EXCEPTION WHEN OTHERS THEN
            IF NOT pg_has_role(current_user, 'rrf_app', 'MEMBER') THEN RAISE; END IF;
        END;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO rrf_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO rrf_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO rrf_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO rrf_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rrf_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO rrf_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, ledger_entries, ledger_transactions, security_events FROM rrf_app;
REVOKE ALL ON schema_migrations FROM rrf_app;

-- A tranche's approval and release, once recorded, are never rewritten.
CREATE FUNCTION tranches_decisions_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.approved_by IS NOT NULL AND (NEW.approved_by, NEW.approved_by_name, NEW.approved_at, NEW.approval::text)
            IS DISTINCT FROM (OLD.approved_by, OLD.approved_by_name, OLD.approved_at, OLD.approval::text))
       OR (OLD.released_by IS NOT NULL AND (NEW.released_by, NEW.released_by_name, NEW.released_at, NEW.release::text,
            NEW.idempotency_key, NEW.ledger_transaction_id)
            IS DISTINCT FROM (OLD.released_by, OLD.released_by_name, OLD.released_at, OLD.release::text,
            OLD.idempotency_key, OLD.ledger_transaction_id)) THEN
        RAISE EXCEPTION 'tranche % of grant %: its approval and release cannot be rewritten once recorded', OLD.sequence, OLD.grant_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tranches_decisions_fixed BEFORE UPDATE ON tranches FOR EACH ROW EXECUTE FUNCTION tranches_decisions_fixed();
CREATE TRIGGER tranches_no_delete BEFORE DELETE ON tranches FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Whether the transaction may see an organisation's rows.
CREATE FUNCTION rrf_may_see(organisation uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('rrf.scope', true), '') = 'fund'
        OR coalesce(current_setting('rrf.scope', true), '') = 'organisation:' || organisation::text
$$;
GRANT EXECUTE ON FUNCTION rrf_may_see(uuid) TO rrf_app;

ALTER TABLE proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY proposals_scope ON proposals TO rrf_app USING (rrf_may_see(organisation_id));
ALTER TABLE grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY grants_scope ON grants TO rrf_app USING (rrf_may_see(organisation_id));
ALTER TABLE tranches ENABLE ROW LEVEL SECURITY;
CREATE POLICY tranches_scope ON tranches TO rrf_app
    USING (coalesce(current_setting('rrf.scope', true), '') = 'fund' OR EXISTS (SELECT 1 FROM grants g WHERE g.id = grant_id));
ALTER TABLE grant_reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY grant_reports_scope ON grant_reports TO rrf_app
    USING (coalesce(current_setting('rrf.scope', true), '') = 'fund' OR EXISTS (SELECT 1 FROM grants g WHERE g.id = grant_id));
ALTER TABLE training_attendance ENABLE ROW LEVEL SECURITY;
CREATE POLICY training_attendance_scope ON training_attendance TO rrf_app USING (rrf_may_see(organisation_id));
ALTER TABLE training_certificates ENABLE ROW LEVEL SECURITY;
CREATE POLICY training_certificates_scope ON training_certificates TO rrf_app USING (rrf_may_see(organisation_id));
