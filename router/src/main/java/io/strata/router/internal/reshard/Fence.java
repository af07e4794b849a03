package io.strata.router.internal.reshard;

import io.strata.router.reshard.MovePlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * The mover's write fence on a source: 'fenced' {@code slot_fence} rows that core's
 * {@code strata_meta.fence()} trigger answers with SR020, and the wait that makes the fence
 * complete.
 *
 * <p>Why the wait: a transaction that began before the fence committed may not see the fence row
 * (its statement's snapshot predates it, or it runs REPEATABLE READ) and can still write a fenced
 * slot. {@link #fence} therefore returns the xmax of a snapshot taken right after the fence
 * committed; {@link #olderTransactionsEnded} is true once every transaction with an older xid has
 * ended (prepared two-phase transactions included: they keep their xid until resolved) and no
 * client backend holds a snapshot older than that (a REPEATABLE READ transaction that has only
 * read so far). Only then is the source's WAL position read for the drain.
 */
final class Fence {

    private Fence() {}

    /**
     * Inserts 'fenced' rows for the sharded tables over {@code ranges} (and for {@code broadcast}
     * tables over every slot), commits, and returns the xmax (xid8, as text) of a snapshot taken
     * after the commit.
     */
    static String fence(
            Connection source,
            MoverTables tables,
            List<MovePlan.SlotRange> ranges,
            List<String> broadcast,
            int slots,
            long epoch)
            throws SQLException {
        source.setAutoCommit(false);
        try {
            for (MoverTables.Sharded t : tables.sharded()) {
                for (MovePlan.SlotRange r : ranges) {
                    insert(source, t.table(), r.lo(), r.hi(), epoch);
                }
            }
            for (String b : broadcast) {
                insert(source, b, 0, slots - 1, epoch);
            }
            source.commit();
        } catch (SQLException e) {
            source.rollback();
            throw e;
        } finally {
            source.setAutoCommit(true);
        }
        return Objects.requireNonNull(Sql.string(source, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text"));
    }

    private static void insert(Connection c, String table, int lo, int hi, long epoch) throws SQLException {
        Sql.update(
                c,
                "INSERT INTO strata_meta.slot_fence (table_name, lo, hi, reason, epoch) VALUES (?, ?, ?, 'fenced', ?)",
                table,
                lo,
                hi,
                epoch);
    }

    /** Deletes the 'fenced' rows {@link #fence} wrote (same tables and ranges). */
    static void unfence(
            Connection source, MoverTables tables, List<MovePlan.SlotRange> ranges, List<String> broadcast, int slots)
            throws SQLException {
        for (MoverTables.Sharded t : tables.sharded()) {
            for (MovePlan.SlotRange r : ranges) {
                delete(source, t.table(), r.lo(), r.hi());
            }
        }
        for (String b : broadcast) {
            delete(source, b, 0, slots - 1);
        }
    }

    private static void delete(Connection c, String table, int lo, int hi) throws SQLException {
        Sql.update(
                c,
                "DELETE FROM strata_meta.slot_fence WHERE reason = 'fenced' AND table_name = ? AND lo = ? AND hi = ?",
                table,
                lo,
                hi);
    }

    /** Turns the 'fenced' rows of the moved ranges into permanent 'disowned' rows at {@code epoch}. */
    static void disown(Connection source, MoverTables tables, List<MovePlan.SlotRange> ranges, long epoch)
            throws SQLException {
        for (MoverTables.Sharded t : tables.sharded()) {
            for (MovePlan.SlotRange r : ranges) {
                Sql.update(
                        source,
                        "UPDATE strata_meta.slot_fence SET reason = 'disowned', epoch = ?"
                                + " WHERE reason = 'fenced' AND table_name = ? AND lo = ? AND hi = ?",
                        epoch,
                        t.table(),
                        r.lo(),
                        r.hi());
                if (Sql.longValue(
                                source,
                                "SELECT count(*) FROM strata_meta.slot_fence WHERE reason = 'disowned'"
                                        + " AND table_name = ? AND lo = ? AND hi = ?",
                                t.table(),
                                r.lo(),
                                r.hi())
                        == 0) {
                    Sql.update(
                            source,
                            "INSERT INTO strata_meta.slot_fence (table_name, lo, hi, reason, epoch)"
                                    + " VALUES (?, ?, ?, 'disowned', ?)",
                            t.table(),
                            r.lo(),
                            r.hi(),
                            epoch);
                }
            }
        }
    }

    /** What keeps {@link #olderTransactionsEnded} false, for the error message. */
    static String olderTransactions(Connection source, String fenceXmax) throws SQLException {
        String running = Sql.string(
                source,
                "SELECT string_agg(format('pid %s %s %s xid %s xmin %s since %s: %s', pid, backend_type, state,"
                        + " backend_xid, backend_xmin, xact_start, left(query, 80)), '; ') FROM pg_stat_activity"
                        + " WHERE pid <> pg_backend_pid() AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)");
        String prepared = Sql.string(
                source,
                "SELECT string_agg(format('%s (xid %s, %s)', gid, transaction, prepared), '; ') FROM"
                        + " pg_prepared_xacts");
        return "snapshot xmin " + Sql.string(source, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
                + ", fence xmax " + fenceXmax + "; running: " + running + "; prepared: " + prepared;
    }

    /** See the class comment. */
    static boolean olderTransactionsEnded(Connection source, String fenceXmax) throws SQLException {
        return Sql.bool(
                source,
                "SELECT pg_snapshot_xmin(pg_current_snapshot()) >= ?::xid8 AND NOT EXISTS ("
                        + " SELECT 1 FROM pg_stat_activity WHERE backend_type = 'client backend'"
                        + " AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL"
                        + " AND age(backend_xmin) > age((?::numeric % 4294967296)::text::xid))",
                fenceXmax,
                fenceXmax);
    }
}
