package io.strata.router.internal.reshard;

import io.strata.router.reshard.MovePlan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Copy and catch-up of one move through PostgreSQL logical replication: a publication of the
 * move's tables on the source ({@code insert, update, delete}: a TRUNCATE on the source must not
 * empty the target), a subscription on the target that copies them ({@code copy_data}) and then
 * follows the source, and the target's {@code keep_incoming} filter (with its 'incoming'
 * {@code slot_fence} rows) that keeps only the moving slots. Every step is idempotent, so a
 * restarted mover repeats it safely.
 */
final class CopyPhase {

    private final MoverTables tables;
    private final MoverSettings settings;

    CopyPhase(MoverTables tables, MoverSettings settings) {
        this.tables = tables;
        this.settings = settings;
    }

    /** {@code strata_move_<move id>}: the publication, subscription and replication slot name. */
    static String objectName(MovePlan.Move move) {
        return "strata_move_" + move.id();
    }

    /** The tables a move publishes: every sharded table, plus broadcast tables into a new shard. */
    List<String> published(MovePlan.Move move) {
        List<String> out = new ArrayList<>();
        tables.sharded().forEach(t -> out.add(t.table()));
        if (move.newShard()) {
            out.addAll(tables.broadcast());
        }
        return out;
    }

    /**
     * Checks that the target has every published table with the source's columns (names and types
     * in order) and a primary key, and holds no row of the moving slots (nor, for a new shard, of a
     * broadcast table). Throws SR023 listing everything missing.
     */
    void checkSchema(Connection source, Connection target, MovePlan.Move move, boolean resumed) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String table : published(move)) {
            List<String> src = columns(source, table);
            List<String> tgt = columns(target, table);
            if (src.isEmpty()) {
                problems.add("table " + table + " does not exist on source " + move.source());
                continue;
            }
            if (tgt.isEmpty()) {
                problems.add("table " + table + " does not exist on target " + move.target() + " (run the migrations"
                        + " on the new shard first)");
                continue;
            }
            if (!src.equals(tgt)) {
                problems.add("table " + table + " has columns " + tgt + " on " + move.target() + " but " + src + " on "
                        + move.source());
            }
            if (!hasPrimaryKey(source, table)) {
                problems.add("table " + table + " has no primary key on " + move.source());
            }
            if (!hasPrimaryKey(target, table)) {
                problems.add("table " + table + " has no primary key on " + move.target());
            }
        }
        if (problems.isEmpty() && !resumed) {
            for (MoverTables.Sharded t : tables.sharded()) {
                long rows = countInRanges(target, t, move.ranges(), settings.slots());
                if (rows > 0) {
                    problems.add("target " + move.target() + " already holds " + rows
                            + " row(s) of the moving slots in " + t.table());
                }
            }
            if (move.newShard()) {
                for (String b : tables.broadcast()) {
                    long rows = Sql.longValue(target, "SELECT count(*) FROM " + Sql.ident(b));
                    if (rows > 0) {
                        problems.add("new shard " + move.target() + " already holds " + rows + " row(s) of broadcast"
                                + " table " + b + " (it must be empty: the move copies it whole)");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw Mover.rejected("move " + move.id() + " cannot start: " + String.join("; ", problems));
        }
    }

    private static List<String> columns(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                        + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped"
                        + " ORDER BY a.attnum")) {
            ps.setString(1, Sql.ident(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static boolean hasPrimaryKey(Connection c, String table) throws SQLException {
        return Sql.bool(
                c,
                "SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = to_regclass(?) AND indisprimary)",
                Sql.ident(table));
    }

    /** The SQL condition "the row's slot is in one of the ranges", with two parameters per range. */
    static String inRanges(MoverTables.Sharded t, List<MovePlan.SlotRange> ranges, int slots) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < ranges.size(); i++) {
            if (i > 0) {
                s.append(" OR ");
            }
            s.append(t.slotExpression(slots)).append(" BETWEEN ? AND ?");
        }
        return s.append(")").toString();
    }

    static Object[] rangeParams(List<MovePlan.SlotRange> ranges) {
        Object[] p = new Object[ranges.size() * 2];
        for (int i = 0; i < ranges.size(); i++) {
            p[2 * i] = ranges.get(i).lo();
            p[2 * i + 1] = ranges.get(i).hi();
        }
        return p;
    }

    static long countInRanges(Connection c, MoverTables.Sharded t, List<MovePlan.SlotRange> ranges, int slots)
            throws SQLException {
        return Sql.longValue(
                c,
                "SELECT count(*) FROM " + Sql.ident(t.table()) + " WHERE " + inRanges(t, ranges, slots),
                rangeParams(ranges));
    }

    /** Rows of the move on a server: the moving slots of every sharded table (+ broadcast rows for a new shard). */
    long rows(Connection c, MovePlan.Move move) throws SQLException {
        long n = 0;
        for (MoverTables.Sharded t : tables.sharded()) {
            n += countInRanges(c, t, move.ranges(), settings.slots());
        }
        if (move.newShard()) {
            for (String b : tables.broadcast()) {
                n += Sql.longValue(c, "SELECT count(*) FROM " + Sql.ident(b));
            }
        }
        return n;
    }

    /**
     * Installs the triggers and the target's 'incoming' rows, then creates the publication and the
     * subscription (each only if missing).
     */
    void start(Connection source, Connection target, ShardEndpoint sourceEndpoint, MovePlan.Move move, long epoch)
            throws SQLException {
        MoverSchema.installFence(source, tables, settings.slots());
        MoverSchema.installFence(target, tables, settings.slots());
        MoverSchema.installKeepIncoming(target, tables, settings.slots());
        target.setAutoCommit(false);
        try {
            Sql.update(
                    target,
                    "DELETE FROM strata_meta.slot_fence WHERE reason = 'incoming' AND table_name = ANY(?)",
                    target.createArrayOf("text", tableNames().toArray()));
            for (MoverTables.Sharded t : tables.sharded()) {
                for (MovePlan.SlotRange r : move.ranges()) {
                    Sql.update(
                            target,
                            "INSERT INTO strata_meta.slot_fence (table_name, lo, hi, reason, epoch)"
                                    + " VALUES (?, ?, ?, 'incoming', ?)",
                            t.table(),
                            r.lo(),
                            r.hi(),
                            epoch);
                }
            }
            target.commit();
        } catch (SQLException e) {
            target.rollback();
            throw e;
        } finally {
            target.setAutoCommit(true);
        }
        String name = objectName(move);
        if (!Sql.bool(source, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = ?)", name)) {
            StringBuilder ddl = new StringBuilder("CREATE PUBLICATION " + Sql.ident(name) + " FOR TABLE ");
            List<String> published = published(move);
            for (int i = 0; i < published.size(); i++) {
                ddl.append(i == 0 ? "" : ", ").append(Sql.ident(published.get(i)));
            }
            ddl.append(" WITH (publish = 'insert, update, delete')");
            Sql.exec(source, ddl.toString());
        }
        if (!Sql.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = ?)", name)) {
            // A mover killed inside CREATE SUBSCRIPTION may leave the slot on the source without
            // the subscription: drop it so the name is free.
            dropSlot(source, name);
            Sql.exec(
                    target,
                    "CREATE SUBSCRIPTION " + Sql.ident(name) + " CONNECTION " + Sql.literal(sourceEndpoint.conninfo())
                            + " PUBLICATION " + Sql.ident(name)
                            + " WITH (copy_data = true, two_phase = false, streaming = off)");
        }
    }

    private List<String> tableNames() {
        List<String> out = new ArrayList<>();
        tables.sharded().forEach(t -> out.add(t.table()));
        return out;
    }

    /** Whether every table of the subscription is ready (state 'r'): the initial copy is done. */
    static boolean copied(Connection target, MovePlan.Move move) throws SQLException {
        return Sql.bool(
                target,
                "SELECT count(*) > 0 AND bool_and(r.srsubstate = 'r') FROM pg_subscription_rel r"
                        + " JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = ?",
                objectName(move));
    }

    /** The source's current WAL position. */
    static String currentLsn(Connection source) throws SQLException {
        return Objects.requireNonNull(Sql.string(source, "SELECT pg_current_wal_lsn()::text"));
    }

    /** Whether the subscription's slot on the source has confirmed {@code lsn}. */
    static boolean confirmed(Connection source, MovePlan.Move move, String lsn) throws SQLException {
        return Sql.bool(
                source,
                "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?",
                lsn,
                objectName(move));
    }

    /** Bytes the subscription is behind the source's WAL, or -1 when there is no slot. */
    static long lagBytes(Connection source, MovePlan.Move move) throws SQLException {
        String v = Sql.string(
                source,
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots"
                        + " WHERE slot_name = ?",
                objectName(move));
        return v == null ? -1 : Long.parseLong(v);
    }

    /** Drops the subscription (and so its slot on the source), if it exists. */
    static void dropSubscription(Connection target, Connection source, MovePlan.Move move) throws SQLException {
        String name = objectName(move);
        if (Sql.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = ?)", name)) {
            Sql.exec(target, "ALTER SUBSCRIPTION " + Sql.ident(name) + " DISABLE");
            // Dropping the remote slot from the target needs the source; do it from here instead.
            Sql.exec(target, "ALTER SUBSCRIPTION " + Sql.ident(name) + " SET (slot_name = NONE)");
            Sql.exec(target, "DROP SUBSCRIPTION " + Sql.ident(name));
        }
        dropSlot(source, name);
    }

    private static void dropSlot(Connection source, String name) throws SQLException {
        // The walsender of a just-disabled subscription may hold the slot for a moment.
        for (int attempt = 0; ; attempt++) {
            try {
                Sql.string(
                        source,
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?",
                        name);
                return;
            } catch (SQLException e) {
                if (!"55006".equals(e.getSQLState()) || attempt > 500) {
                    throw e;
                }
                Sql.string(source, "SELECT pg_sleep(0.02)");
            }
        }
    }

    static void dropPublication(Connection source, MovePlan.Move move) throws SQLException {
        Sql.exec(source, "DROP PUBLICATION IF EXISTS " + Sql.ident(objectName(move)));
    }

    /** Removes the keep_incoming triggers of the move's tables on the target. */
    void dropKeepIncoming(Connection target) throws SQLException {
        for (MoverTables.Sharded t : tables.sharded()) {
            Sql.exec(target, "DROP TRIGGER IF EXISTS strata_keep_incoming ON " + Sql.ident(t.table()));
        }
    }

    /**
     * Deletes from {@code c} the rows of the given slot ranges (all rows of {@code wholeTables}),
     * in transactions of at most {@code batch} rows each run with {@code strata.mover = on} (the
     * fence lets the mover's own clean-up through). Returns the rows deleted per table.
     */
    static Map<String, Long> deleteRows(
            Connection c,
            MoverTables tables,
            List<MovePlan.SlotRange> ranges,
            List<String> wholeTables,
            int batch,
            int slots,
            @Nullable Runnable afterBatch)
            throws SQLException {
        Map<String, Long> deleted = new LinkedHashMap<>();
        for (MoverTables.Sharded t : tables.sharded()) {
            String sql = "DELETE FROM " + Sql.ident(t.table()) + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
                    + Sql.ident(t.table()) + " WHERE " + inRanges(t, ranges, slots) + " LIMIT " + batch + "))";
            deleted.put(t.table(), deleteLoop(c, sql, rangeParams(ranges), afterBatch));
        }
        for (String b : wholeTables) {
            String sql = "DELETE FROM " + Sql.ident(b) + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + Sql.ident(b)
                    + " LIMIT " + batch + "))";
            deleted.put(b, deleteLoop(c, sql, new Object[0], afterBatch));
        }
        return deleted;
    }

    private static long deleteLoop(Connection c, String sql, Object[] params, @Nullable Runnable afterBatch)
            throws SQLException {
        long total = 0;
        c.setAutoCommit(false);
        try {
            while (true) {
                Sql.exec(c, "SET LOCAL strata.mover = 'on'");
                int n = Sql.update(c, sql, params);
                c.commit();
                total += n;
                if (afterBatch != null) {
                    afterBatch.run();
                }
                if (n == 0) {
                    return total;
                }
            }
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    MoverSettings settings() {
        return settings;
    }
}
