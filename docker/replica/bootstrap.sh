#!/bin/bash
# The entrypoint of a streaming replica (official postgres image). On the first start the data
# directory is empty: wait for the primary, copy it with pg_basebackup over the replication slot
# reserved for this replica, and let -R write primary_conninfo and standby.signal. Then (and on
# every later start) hand over to the image's own entrypoint, which runs postgres as a hot standby.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -q; do
    echo "replica: waiting for ${PRIMARY_HOST}:${PRIMARY_PORT}"
    sleep 1
  done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  gosu postgres env PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup \
    --host="$PRIMARY_HOST" --port="$PRIMARY_PORT" --username="$REPLICATION_USER" \
    --pgdata="$PGDATA" --wal-method=stream --slot="$REPLICATION_SLOT" \
    --write-recovery-conf --checkpoint=fast --no-password
fi

exec docker-entrypoint.sh "$@"
