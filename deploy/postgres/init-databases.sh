#!/usr/bin/env bash
# One database and one login per system; no login can connect to another system's database.
set -euo pipefail
for system in user catalog order; do
  variable="SCS_${system^^}_DB_PASSWORD"
  password="${!variable:?set $variable}"
  psql --username "${POSTGRES_USER:-postgres}" --dbname postgres --no-psqlrc --set=ON_ERROR_STOP=1 \
    --set=role="${system}_svc" --set=db="${system}" --set=password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
done
