-- Database roles for a production RRF. Run once as a superuser, then `rrfctl db migrate` as rrf_owner.
--   rrf_owner : owns the schema, runs migrations
--   rrf_app   : rrfd and rrfctl — reads and writes data, cannot change the schema or the audit log
--   rrf_read  : reporting and exports — read only
CREATE ROLE rrf_owner LOGIN;
CREATE ROLE rrf_app LOGIN;
CREATE ROLE rrf_read LOGIN;
CREATE DATABASE rrf OWNER rrf_owner ENCODING 'UTF8' TEMPLATE template0;
\connect rrf
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO rrf_app, rrf_read;
ALTER DEFAULT PRIVILEGES FOR ROLE rrf_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rrf_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rrf_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO rrf_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rrf_owner IN SCHEMA public GRANT SELECT ON TABLES TO rrf_read;
-- After migrating, make the audit log insert-only for the application (the trigger also refuses changes):
--   REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM rrf_app;
