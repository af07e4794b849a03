-- Strata online resharding: the metadata shard's objects (issue 13, design section 1).
-- Idempotent; runs after shard.sql in the same transaction.

-- The versioned shard map. The current map is the row with max(epoch). A new epoch is only
-- written by MetaStore.compareAndSet: LOCK TABLE ... SHARE ROW EXCLUSIVE, check max(epoch) =
-- expected, INSERT expected + 1; the primary key makes a fork impossible even without the lock.
-- owners[s + 1] = index into shards (0-based) of the owner of slot s.
-- moving: [{"lo": int, "hi": int, "from": shard, "to": shard}, ...] or NULL.
-- switch_lsn: {"<target shard>": "<pg_lsn text>", ...} or NULL.
CREATE TABLE IF NOT EXISTS strata_meta.shard_map (
    epoch bigint PRIMARY KEY CHECK (epoch >= 1),
    slots int NOT NULL CHECK (slots > 0),
    owners smallint[] NOT NULL,
    shards text[] NOT NULL,
    moving jsonb,
    switch_lsn jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(owners) = slots)
);

-- One row per member (a ShardingDataSource with resharding enabled), refreshed with its lease.
CREATE TABLE IF NOT EXISTS strata_meta.members (
    member_id text PRIMARY KEY,
    epoch bigint NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);

-- Whether a move is in progress by the mover's journal (strata_meta.moves, created by the mover;
-- a row whose phase is not DONE or ABORTED). False while the journal does not exist. Members
-- refuse DDL (SR021) while this is true or the current map has `moving` set.
CREATE OR REPLACE FUNCTION strata_meta.move_in_progress() RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    busy boolean;
BEGIN
    IF to_regclass('strata_meta.moves') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM strata_meta.moves WHERE phase::text NOT IN (''DONE'', ''ABORTED''))'
        INTO busy;
    RETURN busy;
END
$$;
