package io.strata.router.internal.execute;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Makes the sequences behind a sharded table's identity and serial columns hand out values that no
 * other shard hands out: on shard {@code i} (0-based, in shard-map order) the sequence is set to
 * {@code INCREMENT BY stride} and its values are those {@code = i + 1 (mod stride)}, so shard 0 gives
 * 1, 1+stride, ..., shard 1 gives 2, 2+stride, ... The values never overlap whatever each shard's
 * pace, across any number of application JVMs (the sequences are the coordination) and restarts.
 *
 * <p>Applied by the router right after it runs a {@code CREATE TABLE} of a sharded table (the
 * sequences are new: shard {@code i} restarts at {@code i + 1}) or an {@code ALTER TABLE} of one
 * (a column added as identity/serial: future values restart above every shard's highest; the
 * values the ALTER itself gave existing rows are per shard and may repeat), and by
 * {@code ShardingDataSource.interleaveSequences(table)} for tables that already hold rows (each
 * shard restarts at its first value above the highest value any shard has handed out). A sequence
 * already interleaved this way is left alone, so both are idempotent.
 */
final class IdentityInterleave {

    private static final Pattern CREATE_TABLE = Pattern.compile(
            "^\\s*(?:CREATE\\s+(?:(?:GLOBAL|LOCAL)\\s+)?(?:(?:UNLOGGED)\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?"
                    + "|ALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?)"
                    + "((?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*)(?:\\s*\\.\\s*(?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*))?)",
            Pattern.CASE_INSENSITIVE);

    private static final String OWNED_SEQUENCES = "select seq.oid::regclass::text, s.seqincrement, s.seqstart,"
            + " coalesce(ps.last_value, 0)"
            + " from pg_depend d"
            + " join pg_class seq on seq.oid = d.objid and seq.relkind = 'S'"
            + " join pg_sequence s on s.seqrelid = seq.oid"
            + " join pg_namespace n on n.oid = seq.relnamespace"
            + " left join pg_sequences ps on ps.schemaname = n.nspname and ps.sequencename = seq.relname"
            + " where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass"
            + " and d.deptype in ('a', 'i') and d.refobjid = to_regclass(?)"
            + " order by 1";

    private IdentityInterleave() {}

    /** The table a {@code CREATE TABLE} or {@code ALTER TABLE} statement names, or null. */
    static @Nullable String createdTable(String strippedSql) {
        Matcher m = CREATE_TABLE.matcher(strippedSql);
        return m.find() ? m.group(1) : null;
    }

    /** One sequence of the table on one shard. */
    record Owned(String name, long increment, long start, long lastValue) {}

    /** The sequences owned by the table's identity/serial columns on this shard. */
    static List<Owned> owned(Connection c, String table) throws SQLException {
        List<Owned> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(OWNED_SEQUENCES)) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Owned(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                }
            }
        }
        return out;
    }

    /**
     * Interleaves the table's sequences on shard {@code shardIndex} so that they restart at the
     * first value {@code = shardIndex + 1 (mod stride)} above {@code above}. Returns how many
     * sequences were changed.
     */
    static int apply(Connection c, String table, int shardIndex, int stride, long above) throws SQLException {
        int changed = 0;
        for (Owned o : owned(c, table)) {
            if (o.increment() == stride && o.start() == shardIndex + 1) {
                continue;
            }
            long first = shardIndex + 1;
            long base = Math.max(above, 0) + 1;
            long restart = base + Math.floorMod(first - base, (long) stride);
            try (Statement st = c.createStatement()) {
                // Identifiers come from the catalog (regclass text is quoted as needed); numbers are longs.
                st.execute("ALTER SEQUENCE " + o.name() + " INCREMENT BY " + stride + " START WITH " + first
                        + " RESTART WITH " + restart);
            }
            changed++;
        }
        return changed;
    }

    /** The highest value any of the table's sequences has reached on this shard. */
    static long highest(Connection c, String table) throws SQLException {
        long max = 0;
        for (Owned o : owned(c, table)) {
            max = Math.max(max, o.lastValue());
        }
        return max;
    }
}
