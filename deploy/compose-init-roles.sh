#!/usr/bin/env bash
# PostgreSQL container initialisation (deploy/compose.yaml): runs once on an empty data folder, as the image's
# superuser. Creates the roles and the database (deploy/roles.sql), then gives the owner and the application
# roles the passwords of the secrets; psql quotes them (:'password'), nothing is interpolated into SQL.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -f /rrf/roles.sql
for role in owner app; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="rrf_$role" -v password="$(tr -d '\n' < "/run/secrets/$role-password")" <<'SQL'
ALTER ROLE :"role" PASSWORD :'password';
SQL
done
