package io.strata.router.internal.reshard;

import io.strata.router.ShardMap;
import io.strata.router.internal.SqlStates;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The resharding metadata store (design section 1): the versioned shard map, the members' rows,
 * and the schema {@code strata_meta} that every shard carries (slot fence table, slot functions,
 * the fence and keep-incoming triggers).
 *
 * <p>Every read and write runs in an explicit read-write transaction so that a
 * {@code ReplicaSetDataSource} sends it to the primary, never to a replica.
 *
 * <p>Epochs cannot fork: a new epoch is only written by {@link #compareAndSet(Connection, long,
 * MapEpoch)}, which locks {@code shard_map} in SHARE ROW EXCLUSIVE mode (self-conflicting, so
 * concurrent writers serialize), checks that {@code max(epoch)} is the expected one and inserts
 * expected + 1; the primary key on {@code epoch} refuses a second row of the same epoch even if
 * the lock were bypassed.
 *
 * <p>Thread-safe: holds only its data source.
 */
public final class MetaStore {

    /** The advisory lock key under which the schema is installed (any stable 64-bit value). */
    static final long SCHEMA_LOCK = 0x5354524154414d31L; // "STRATAM1"

    private static final String SHARD_SQL = resource("shard.sql");
    private static final String METADATA_SQL = resource("metadata.sql");

    private final DataSource metadataShard;

    /** A store over the metadata shard (its {@code ReplicaSetDataSource}, or a plain data source). */
    public MetaStore(DataSource metadataShard) {
        this.metadataShard = Objects.requireNonNull(metadataShard, "metadataShard cannot be null");
    }

    /** One slot range under a move: slots {@code lo..hi} (inclusive) going from one shard to another. */
    public record MovingRange(int lo, int hi, String from, String to) {
        /** Checks the range. */
        public MovingRange {
            Objects.requireNonNull(from, "from cannot be null");
            Objects.requireNonNull(to, "to cannot be null");
            if (lo < 0 || hi < lo) {
                throw new IllegalArgumentException("a moving range needs 0 <= lo <= hi but was " + lo + ".." + hi);
            }
        }

        /** Whether the range covers a slot. */
        public boolean covers(int slot) {
            return slot >= lo && slot <= hi;
        }
    }

    /**
     * One epoch of the shard map.
     *
     * @param epoch the version, from 1
     * @param map the slot assignment; its shard list is the map's {@code shards} column
     * @param moving the slot ranges under a move (empty when none): members refuse DDL and treat
     *     writes to these slots as fenced
     * @param switchLsn per target shard, the target primary's WAL position at the switch (text
     *     form of a {@code pg_lsn}); empty when none
     */
    public record MapEpoch(long epoch, ShardMap map, List<MovingRange> moving, Map<String, String> switchLsn) {
        /** Copies and checks. */
        public MapEpoch {
            if (epoch < 1) {
                throw new IllegalArgumentException("epoch must be at least 1 but was " + epoch);
            }
            Objects.requireNonNull(map, "map cannot be null");
            moving = List.copyOf(moving);
            switchLsn = Map.copyOf(switchLsn);
            for (MovingRange r : moving) {
                if (r.hi() >= map.slots()) {
                    throw new IllegalArgumentException(
                            "moving range " + r + " goes past the map's " + map.slots() + " slots");
                }
            }
        }

        /** An epoch without moves. */
        public static MapEpoch of(long epoch, ShardMap map) {
            return new MapEpoch(epoch, map, List.of(), Map.of());
        }

        /** Whether a slot is under a move. */
        public boolean isMoving(int slot) {
            for (MovingRange r : moving) {
                if (r.covers(slot)) {
                    return true;
                }
            }
            return false;
        }

        /** This epoch's content under another epoch number (for building the next epoch). */
        public MapEpoch withEpoch(long newEpoch) {
            return new MapEpoch(newEpoch, map, moving, switchLsn);
        }
    }

    /** A member's row: which epoch it last reported and when (server time, epoch millis). */
    public record Member(String memberId, long epoch, long seenAtMillis) {}

    // ---------------------------------------------------------------- schema

    /**
     * Installs (idempotently) the objects every shard carries: schema {@code strata_meta},
     * {@code slot_fence}, {@code crc32}, {@code slot_bigint/slot_text/slot_uuid/slot_of},
     * {@code fence()}, {@code keep_incoming()}. One transaction under an advisory lock, so
     * concurrent installers do not collide. Installs no trigger on any table.
     */
    public static void installShardSchema(DataSource shard) throws SQLException {
        install(shard, SHARD_SQL);
    }

    /**
     * {@link #installShardSchema(DataSource)} on the caller's connection (to the shard's primary):
     * commits its own transaction, so call it with no transaction open; leaves autocommit as found.
     */
    public static void installShardSchema(Connection c) throws SQLException {
        install(c, SHARD_SQL);
    }

    /** {@link #installMetadataSchema()} on the caller's connection to the metadata shard's primary. */
    public static void installMetadataSchema(Connection c) throws SQLException {
        install(c, SHARD_SQL + "\n" + METADATA_SQL);
    }

    /** {@link #installShardSchema} plus the metadata tables {@code shard_map} and {@code members}. */
    public void installMetadataSchema() throws SQLException {
        install(metadataShard, SHARD_SQL + "\n" + METADATA_SQL);
    }

    private static void install(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection()) {
            install(c, sql);
        }
    }

    private static void install(Connection c, String sql) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)");
                Statement st = c.createStatement()) {
            lock.setLong(1, SCHEMA_LOCK);
            lock.execute();
            st.execute(sql);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    // ---------------------------------------------------------------- the map

    /** The current map (max epoch) read in its own transaction, or null when {@code shard_map} is empty. */
    public @Nullable MapEpoch read() throws SQLException {
        return inOwnTransaction(c -> read(c, -1));
    }

    /**
     * The map of one epoch ({@code epoch} >= 1), or the current one ({@code epoch} = -1), on the
     * caller's connection and transaction; null when there is no such row.
     */
    public static @Nullable MapEpoch read(Connection c, long epoch) throws SQLException {
        String sql = "SELECT epoch, slots, owners, shards, switch_lsn, "
                + "(SELECT coalesce(array_agg((e->>'lo')::int ORDER BY n), '{}') FROM jsonb_array_elements(coalesce(moving, '[]')) WITH ORDINALITY AS m(e, n)), "
                + "(SELECT coalesce(array_agg((e->>'hi')::int ORDER BY n), '{}') FROM jsonb_array_elements(coalesce(moving, '[]')) WITH ORDINALITY AS m(e, n)), "
                + "(SELECT coalesce(array_agg(e->>'from' ORDER BY n), '{}') FROM jsonb_array_elements(coalesce(moving, '[]')) WITH ORDINALITY AS m(e, n)), "
                + "(SELECT coalesce(array_agg(e->>'to' ORDER BY n), '{}') FROM jsonb_array_elements(coalesce(moving, '[]')) WITH ORDINALITY AS m(e, n)), "
                + "(SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM jsonb_object_keys(coalesce(switch_lsn, '{}'::jsonb)) k) AS lsn_keys, "
                + "(SELECT coalesce(array_agg(switch_lsn->>k ORDER BY k), '{}') FROM jsonb_object_keys(coalesce(switch_lsn, '{}'::jsonb)) k) AS lsn_values "
                + "FROM strata_meta.shard_map WHERE epoch = "
                + (epoch < 0 ? "(SELECT max(epoch) FROM strata_meta.shard_map)" : "?");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (epoch >= 0) {
                ps.setLong(1, epoch);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long e = rs.getLong(1);
                int slots = rs.getInt(2);
                Object[] owners = (Object[]) rs.getArray(3).getArray();
                Object[] shards = (Object[]) rs.getArray(4).getArray();
                if (owners.length != slots) {
                    throw corrupt("epoch " + e + " has " + owners.length + " owners for " + slots + " slots");
                }
                int[] slotToShard = new int[slots];
                for (int s = 0; s < slots; s++) {
                    slotToShard[s] = ((Number) owners[s]).intValue();
                }
                List<String> names = new ArrayList<>(shards.length);
                for (Object o : shards) {
                    names.add((String) o);
                }
                ShardMap map;
                try {
                    map = ShardMap.of(names, slotToShard);
                } catch (IllegalArgumentException bad) {
                    throw corrupt("epoch " + e + ": " + bad.getMessage());
                }
                Object[] los = (Object[]) rs.getArray(6).getArray();
                Object[] his = (Object[]) rs.getArray(7).getArray();
                Object[] froms = (Object[]) rs.getArray(8).getArray();
                Object[] tos = (Object[]) rs.getArray(9).getArray();
                List<MovingRange> moving = new ArrayList<>(los.length);
                for (int i = 0; i < los.length; i++) {
                    if (los[i] == null || his[i] == null || froms[i] == null || tos[i] == null) {
                        throw corrupt("epoch " + e + ": moving range " + i + " lacks lo, hi, from or to");
                    }
                    moving.add(new MovingRange(
                            ((Number) los[i]).intValue(), ((Number) his[i]).intValue(), (String) froms[i], (String)
                                    tos[i]));
                }
                Object[] keys = (Object[]) rs.getArray(10).getArray();
                Object[] values = (Object[]) rs.getArray(11).getArray();
                Map<String, String> lsn = new LinkedHashMap<>();
                for (int i = 0; i < keys.length; i++) {
                    lsn.put((String) keys[i], (String) values[i]);
                }
                return new MapEpoch(e, map, moving, lsn);
            }
        }
    }

    /** The current epoch number, or 0 when {@code shard_map} is empty (one indexed query). */
    public static long currentEpoch(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce(max(epoch), 0) FROM strata_meta.shard_map")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Compare-and-set of the map in its own transaction: writes {@code next} as epoch
     * {@code expectedEpoch + 1} if and only if the current epoch is {@code expectedEpoch} (0: the
     * table is empty). Returns whether it was written.
     */
    public boolean compareAndSet(long expectedEpoch, MapEpoch next) throws SQLException {
        return inOwnTransaction(c -> compareAndSet(c, expectedEpoch, next));
    }

    /**
     * Compare-and-set on the caller's connection, inside the caller's transaction (autocommit must be
     * off; the caller commits, so it can journal in the same transaction). Locks {@code shard_map}
     * in SHARE ROW EXCLUSIVE mode until the caller's transaction ends, checks {@code max(epoch) =
     * expectedEpoch} and inserts {@code next}'s content as epoch {@code expectedEpoch + 1} (the epoch
     * number inside {@code next} is ignored). Returns false, writing nothing, when the current epoch
     * differs.
     */
    public static boolean compareAndSet(Connection c, long expectedEpoch, MapEpoch next) throws SQLException {
        if (c.getAutoCommit()) {
            throw new SQLException(
                    "Strata: MetaStore.compareAndSet needs a transaction (autocommit off)", SqlStates.MOVE_FAILED);
        }
        if (expectedEpoch < 0) {
            throw new IllegalArgumentException("expectedEpoch must be >= 0 but was " + expectedEpoch);
        }
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE strata_meta.shard_map IN SHARE ROW EXCLUSIVE MODE");
        }
        if (currentEpoch(c) != expectedEpoch) {
            return false;
        }
        ShardMap map = next.map();
        Short[] owners = new Short[map.slots()];
        for (int s = 0; s < owners.length; s++) {
            owners[s] = (short) map.shardIndexOfSlot(s);
        }
        List<MovingRange> moving = next.moving();
        Integer[] los = new Integer[moving.size()];
        Integer[] his = new Integer[moving.size()];
        String[] froms = new String[moving.size()];
        String[] tos = new String[moving.size()];
        for (int i = 0; i < moving.size(); i++) {
            los[i] = moving.get(i).lo();
            his[i] = moving.get(i).hi();
            froms[i] = moving.get(i).from();
            tos[i] = moving.get(i).to();
        }
        List<String> lsnKeys = new ArrayList<>(next.switchLsn().keySet());
        lsnKeys.sort(null);
        String[] keys = lsnKeys.toArray(new String[0]);
        String[] values = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            values[i] = next.switchLsn().get(keys[i]);
        }
        String sql =
                "INSERT INTO strata_meta.shard_map (epoch, slots, owners, shards, moving, switch_lsn) VALUES (?, ?, ?, ?, "
                        + "(SELECT jsonb_agg(jsonb_build_object('lo', lo, 'hi', hi, 'from', f, 'to', t) ORDER BY lo) "
                        + "FROM unnest(?::int[], ?::int[], ?::text[], ?::text[]) AS u(lo, hi, f, t)), "
                        + "CASE WHEN cardinality(?::text[]) = 0 THEN NULL ELSE jsonb_object(?::text[], ?::text[]) END)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Array ownersArray = c.createArrayOf("int2", owners);
            Array shardsArray = c.createArrayOf("text", map.shards().toArray());
            ps.setLong(1, expectedEpoch + 1);
            ps.setInt(2, map.slots());
            ps.setArray(3, ownersArray);
            ps.setArray(4, shardsArray);
            ps.setArray(5, c.createArrayOf("int4", los));
            ps.setArray(6, c.createArrayOf("int4", his));
            ps.setArray(7, c.createArrayOf("text", froms));
            ps.setArray(8, c.createArrayOf("text", tos));
            Array k = c.createArrayOf("text", keys);
            ps.setArray(9, k);
            ps.setArray(10, k);
            ps.setArray(11, c.createArrayOf("text", values));
            ps.executeUpdate();
        }
        return true;
    }

    // ---------------------------------------------------------------- members

    /**
     * Upserts this member's row ({@code seen_at = now()} on the server) and returns the current
     * epoch (0 when none): the steady-state refresh, one statement, one round trip. Runs in its
     * own transaction.
     */
    public long touch(String memberId, long memberEpoch) throws SQLException {
        return inOwnTransaction(c -> touch(c, memberId, memberEpoch));
    }

    /** {@link #touch(String, long)} on the caller's connection and transaction. */
    public static long touch(Connection c, String memberId, long memberEpoch) throws SQLException {
        return touchStatus(c, memberId, memberEpoch).epoch();
    }

    /**
     * What a member's refresh learns in its one statement: the current epoch (0 when none) and
     * whether the mover's journal has a move in progress ({@code strata_meta.move_in_progress()}).
     */
    public record Touch(long epoch, boolean moveInProgress) {}

    /** {@link #touch(String, long)}, also reading whether a move is in progress; own transaction. */
    public Touch touchStatus(String memberId, long memberEpoch) throws SQLException {
        return inOwnTransaction(c -> touchStatus(c, memberId, memberEpoch));
    }

    /** {@link #touchStatus(String, long)} on the caller's connection and transaction. */
    public static Touch touchStatus(Connection c, String memberId, long memberEpoch) throws SQLException {
        String sql = "WITH up AS (INSERT INTO strata_meta.members (member_id, epoch, seen_at) VALUES (?, ?, now()) "
                + "ON CONFLICT (member_id) DO UPDATE SET epoch = excluded.epoch, seen_at = excluded.seen_at RETURNING 1) "
                + "SELECT coalesce((SELECT max(epoch) FROM strata_meta.shard_map), 0), strata_meta.move_in_progress(),"
                + " (SELECT count(*) FROM up)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, memberId);
            ps.setLong(2, memberEpoch);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Touch(rs.getLong(1), rs.getBoolean(2));
            }
        }
    }

    /** Deletes a member's row (a member that closes), so the mover does not wait for it. */
    public void leave(String memberId) throws SQLException {
        try (Connection c = metadataShard.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM strata_meta.members WHERE member_id = ?")) {
            c.setAutoCommit(false);
            ps.setString(1, memberId);
            ps.executeUpdate();
            c.commit();
        }
    }

    /** Members seen within {@code withinMillis} (server clock), by id. */
    public List<Member> members(long withinMillis) throws SQLException {
        try (Connection c = metadataShard.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT member_id, epoch, (extract(epoch FROM seen_at) * 1000)::bigint FROM strata_meta.members "
                            + "WHERE seen_at >= now() - make_interval(secs => ?::double precision / 1000) ORDER BY member_id")) {
                ps.setLong(1, withinMillis);
                List<Member> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Member(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                    }
                }
                c.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        }
    }

    // ---------------------------------------------------------------- triggers (used by the mover)

    /**
     * The DDL that installs the fence trigger {@code strata_fence} on a sharded table
     * ({@code keyColumn} and {@code keyType} from its {@code TableRule}) or, with a null key column,
     * on a broadcast table. Idempotent (drops and recreates). Identifiers are quoted with
     * {@code quote_ident} semantics by the caller's name (lower-case identifiers expected).
     */
    public static String fenceTriggerDdl(String table, @Nullable String keyColumn, String keyType, int slots) {
        return triggerDdl("strata_fence", "strata_meta.fence()", table, keyColumn, keyType, slots, false);
    }

    /**
     * The DDL that installs the keep-incoming trigger {@code strata_keep_incoming} on a move's
     * target table ({@code ENABLE ALWAYS}, so it fires in the subscription's apply worker).
     */
    public static String keepIncomingTriggerDdl(String table, String keyColumn, String keyType, int slots) {
        return triggerDdl(
                "strata_keep_incoming", "strata_meta.keep_incoming()", table, keyColumn, keyType, slots, true);
    }

    private static String triggerDdl(
            String name,
            String function,
            String table,
            @Nullable String keyColumn,
            String keyType,
            int slots,
            boolean always) {
        String t = quoteQualified(table);
        String args = "'" + literal(keyColumn == null ? "" : keyColumn) + "', '"
                + literal(keyType.toUpperCase(Locale.ROOT)) + "', '" + slots + "'";
        String fn = function.substring(0, function.length() - 2);
        String ddl = "DROP TRIGGER IF EXISTS " + name + " ON " + t + ";\n"
                + "CREATE TRIGGER " + name + " BEFORE INSERT OR UPDATE OR DELETE ON " + t
                + " FOR EACH ROW EXECUTE FUNCTION " + fn + "(" + args + ");\n";
        if (always) {
            ddl += "ALTER TABLE " + t + " ENABLE ALWAYS TRIGGER " + name + ";\n";
        }
        return ddl;
    }

    /** Quotes each dot-separated part of a table name as an identifier. */
    static String quoteQualified(String table) {
        StringBuilder out = new StringBuilder();
        for (String part : table.split("\\.", -1)) {
            if (out.length() > 0) {
                out.append('.');
            }
            out.append('"').append(part.replace("\"", "\"\"")).append('"');
        }
        return out.toString();
    }

    private static String literal(String s) {
        return s.replace("'", "''");
    }

    // ---------------------------------------------------------------- plumbing

    private static SQLException corrupt(String what) {
        return new SQLException(
                "Strata: strata_meta.shard_map is corrupt (" + what + "); fix the row on the metadata shard",
                SqlStates.MOVE_FAILED);
    }

    /** Work on a connection of the metadata shard, in a transaction of its own. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in its own transaction on the metadata shard: committed, or rolled back on failure. */
    private <T> T inOwnTransaction(Work<T> work) throws SQLException {
        try (Connection c = metadataShard.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    private static String resource(String name) {
        try (InputStream in = MetaStore.class.getResourceAsStream("/io/strata/router/reshard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource io/strata/router/reshard/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
