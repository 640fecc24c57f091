-- Database roles and the database of a production RRF. Run once as a superuser, before the first migration:
--   psql -v database=rrf -f deploy/roles.sql        (the database name defaults to rrf)
-- then set each role's password (\password rrf_owner, …) or map them to operating-system users in pg_hba.conf.
--   rrf_owner : owns the schema and the audit log; runs `rrfctl db migrate` (the rrf-migrate unit) and nothing else
--   rrf_app   : rrfd, rrfweb and rrfctl; reads and writes the fund's rows; cannot change the schema, write the
--               audit log except through audit_append (sql/0025), nor rewrite the ledger or the security log
--   rrf_read  : reports, exports, dashboards; reads every row but no secret (sql/0026)
-- The migrations grant each role its privileges (sql/0022, 0025, 0026); nothing else is granted by hand.
-- Safe to run again: existing roles are given LOGIN, an existing database is kept.
\set ON_ERROR_STOP on
\if :{?database}
\else
    \set database rrf
\endif

DO $$
DECLARE
    role text;
BEGIN
    FOREACH role IN ARRAY ARRAY['rrf_owner', 'rrf_app', 'rrf_read'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', role);
        ELSE
            EXECUTE format('ALTER ROLE %I LOGIN', role);
        END IF;
    END LOOP;
END
$$;
-- The owner's migrations grant rrf_app its privileges and act as it in the store's transactions (sql/0022).
GRANT rrf_app TO rrf_owner;
-- The owner cannot make itself a superuser or create roles; only this script does.
ALTER ROLE rrf_owner NOSUPERUSER NOCREATEROLE NOCREATEDB;
ALTER ROLE rrf_app NOSUPERUSER NOCREATEROLE NOCREATEDB;
ALTER ROLE rrf_read NOSUPERUSER NOCREATEROLE NOCREATEDB;

SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') AS create_database \gset
\if :create_database
    CREATE DATABASE :"database" OWNER rrf_owner ENCODING 'UTF8' TEMPLATE template0;
\endif
\connect :"database"
-- Nobody but the owner creates objects in the schema; the applications only use it.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO rrf_owner;
GRANT USAGE ON SCHEMA public TO rrf_app, rrf_read;
