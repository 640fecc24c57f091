-- Issue 13: users can be edited (name, e-mail, roles) with an expected version, and deactivated / reactivated.
-- A deactivated user keeps their history but can no longer act (RRFStore resolveActor refuses them) and receives
-- no notification.
ALTER TABLE users
    ADD COLUMN version        integer     NOT NULL DEFAULT 1 CONSTRAINT users_version_positive CHECK (version >= 1),
    ADD COLUMN deactivated_at timestamptz;
