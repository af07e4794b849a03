package io.strata.router.internal.reshard;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The database objects the mover owns: the journal on the metadata shard, the target-side
 * {@code keep_incoming} filter, and the installation of the fence and filter triggers on the
 * tables of a move (core's {@code strata_meta.fence()} function does the fencing).
 *
 * <p>Why a target-side filter: PostgreSQL 17 forbids user functions in publication row filters and
 * has no built-in CRC-32, so the source publishes every change of its sharded tables and the
 * target's apply worker drops the rows whose slot is not arriving. The trigger is
 * {@code ENABLE ALWAYS} (ordinary triggers do not fire in the apply worker, which runs with
 * {@code session_replication_role = replica}) and acts only in that role: it must never drop the
 * application's own writes.
 */
final class MoverSchema {

    private MoverSchema() {}

    static final String JOURNAL_DDL = """
            CREATE TABLE IF NOT EXISTS strata_meta.moves (
              move_id text PRIMARY KEY,
              plan_id text NOT NULL,
              source text NOT NULL,
              target text NOT NULL,
              ranges text NOT NULL,
              new_shard boolean NOT NULL,
              phase text NOT NULL,
              rows_total bigint NOT NULL DEFAULT 0,
              rows_copied bigint NOT NULL DEFAULT 0,
              verified_chunks integer NOT NULL DEFAULT 0,
              base_epoch bigint,
              switch_epoch bigint,
              fence_committed_at timestamptz,
              fence_complete_at timestamptz,
              error text,
              started_at timestamptz NOT NULL DEFAULT now(),
              updated_at timestamptz NOT NULL DEFAULT now())""";

    /** Creates the journal (on the metadata shard); idempotent. */
    static void installJournal(Connection c) throws SQLException {
        Sql.exec(c, "CREATE SCHEMA IF NOT EXISTS strata_meta");
        Sql.exec(c, JOURNAL_DDL);
        // Journals created before these columns existed.
        Sql.exec(
                c,
                "ALTER TABLE strata_meta.moves ADD COLUMN IF NOT EXISTS fence_committed_at timestamptz,"
                        + " ADD COLUMN IF NOT EXISTS fence_complete_at timestamptz");
    }

    /** Installs the fence trigger on every table of a move on one shard; idempotent. */
    static void installFence(Connection c, MoverTables tables, int slots) throws SQLException {
        for (MoverTables.Sharded t : tables.sharded()) {
            Sql.exec(
                    c,
                    MetaStore.fenceTriggerDdl(
                            t.table(), t.keyColumn(), t.keyType().name(), slots));
        }
        for (String b : tables.broadcast()) {
            Sql.exec(c, MetaStore.fenceTriggerDdl(b, null, "LONG", slots));
        }
    }

    /** Installs core's keep_incoming filter on the target's sharded tables; idempotent. */
    static void installKeepIncoming(Connection c, MoverTables tables, int slots) throws SQLException {
        for (MoverTables.Sharded t : tables.sharded()) {
            Sql.exec(
                    c,
                    MetaStore.keepIncomingTriggerDdl(
                            t.table(), t.keyColumn(), t.keyType().name(), slots));
        }
    }
}
