-- Database roles for a production RRF. Run once as a superuser, then `rrfctl db migrate` as rrf_owner.
--   rrf_owner : owns the schema, runs migrations
--   rrf_app   : rrfd and rrfctl — reads and writes data, cannot change the schema or the audit log
--   rrf_read  : reporting and exports — read only
CREATE ROLE rrf_owner LOGIN;
CREATE ROLE rrf_app LOGIN;
CREATE ROLE rrf_read LOGIN;
-- The owner grants rrf_app its privileges in the migrations and may act as it (sql/0022).
GRANT rrf_app TO rrf_owner;
CREATE DATABASE rrf OWNER rrf_owner ENCODING 'UTF8' TEMPLATE template0;
\connect rrf
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO rrf_app, rrf_read;
ALTER DEFAULT PRIVILEGES FOR ROLE rrf_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rrf_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rrf_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO rrf_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rrf_owner IN SCHEMA public GRANT SELECT ON TABLES TO rrf_read;
-- The migrations (sql/0022) make the audit log, the ledger and the security log insert-only for rrf_app, and
-- turn on row-level security for the organisation-scoped tables; nothing to do by hand.
