#!/bin/bash
# Runs once, when the official postgres image initializes a primary's data directory: a role for
# streaming replication, a physical replication slot per replica (so the primary keeps the WAL a
# replica still needs), and a pg_hba.conf line that lets the replicas connect for replication.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<EOSQL
CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
EOSQL

for slot in ${REPLICATION_SLOTS//,/ }; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -c "SELECT pg_create_physical_replication_slot('${slot}')"
done

echo "host replication ${REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
