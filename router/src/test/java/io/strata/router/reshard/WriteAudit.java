package io.strata.router.reshard;

import io.strata.router.internal.reshard.MetaStore;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only checker for issue 13's "0 writes accepted by an old owner after its cutover".
 *
 * <p>{@link #install} puts an audit trigger on a sharded table of one shard's primary: a {@code
 * DEFERRABLE INITIALLY DEFERRED} constraint trigger (AFTER INSERT OR UPDATE OR DELETE, FOR EACH
 * ROW), so it runs at the writing transaction's COMMIT (or PREPARE TRANSACTION) and its {@code
 * clock_timestamp()} is that transaction's commit time, not the time of the write. It records
 * table, key, slot ({@code strata_meta.slot_bigint / slot_text}), that time and {@code
 * txid_current()} in {@code strata_test_audit}. It skips the mover's own writes ({@code
 * strata.mover = on}: the clean-up of moved rows) and does not fire in the subscription's apply
 * worker (ordinary triggers do not fire with {@code session_replication_role = replica}).
 *
 * <p>{@link #check} reads every DONE move from the journal on the metadata shard and counts, on the
 * move's SOURCE, the audit rows for slots in the moved ranges that committed after {@code
 * fence_complete_at} (the source's clock once every transaction older than the fence had ended:
 * from then on the source must refuse every write to those slots). Rows committed between {@code
 * fence_committed_at} and {@code fence_complete_at} are reported apart ("in flight"): transactions
 * that wrote before the fence and committed during the mover's wait are legitimate and drained to
 * the target. All servers of the testkit run on this host, so they share its clock.
 */
final class WriteAudit {

    private WriteAudit() {}

    /** What {@link #check} found, summed over the completed moves. */
    record Result(int moves, long checked, long inFlight, long violations, List<String> samples) {
        @Override
        public String toString() {
            return "old-owner audit: " + moves + " moves, " + checked + " audit rows in moved slots on sources, "
                    + inFlight + " committed during the fence wait (legitimate), " + violations
                    + " committed after the fence was complete (violations)" + (samples.isEmpty() ? "" : " " + samples);
        }
    }

    /** Installs the audit table, function and trigger on {@code table} of {@code primary}; idempotent. */
    static void install(Connection primary, String table, String keyColumn, String keyType, int slots)
            throws SQLException {
        MetaStore.installShardSchema(primary);
        String slotExpr = keyType.equals("LONG")
                ? "strata_meta.slot_bigint(k::bigint, TG_ARGV[1]::int)"
                : "strata_meta.slot_text(k, TG_ARGV[1]::int)";
        try (Statement st = primary.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS strata_test_audit (table_name text NOT NULL, key text NOT NULL,"
                    + " slot int NOT NULL, committed_at timestamptz NOT NULL, xid bigint NOT NULL)");
            st.execute("CREATE OR REPLACE FUNCTION strata_test_audit_" + keyType.toLowerCase(java.util.Locale.ROOT)
                    + "() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                    + "DECLARE k text;\n"
                    + "BEGIN\n"
                    + "  IF current_setting('strata.mover', true) = 'on' THEN RETURN NULL; END IF;\n"
                    + "  IF TG_OP = 'DELETE' THEN k := to_jsonb(OLD) ->> TG_ARGV[0];"
                    + " ELSE k := to_jsonb(NEW) ->> TG_ARGV[0]; END IF;\n"
                    + "  INSERT INTO strata_test_audit VALUES (TG_TABLE_NAME, k, " + slotExpr
                    + ", clock_timestamp(), txid_current());\n"
                    + "  RETURN NULL;\n"
                    + "END $$");
            st.execute("DROP TRIGGER IF EXISTS strata_test_audit ON " + table);
            st.execute("CREATE CONSTRAINT TRIGGER strata_test_audit AFTER INSERT OR UPDATE OR DELETE ON " + table
                    + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION strata_test_audit_"
                    + keyType.toLowerCase(java.util.Locale.ROOT) + "('" + keyColumn + "', '" + slots + "')");
        }
    }

    /** {@link #install} on every shard's primary. */
    static void installEverywhere(PgTopology topology, String table, String keyColumn, String keyType, int slots)
            throws SQLException {
        for (PgShard s : topology.shards()) {
            try (Connection c = s.primary().connect()) {
                install(c, table, keyColumn, keyType, slots);
            }
        }
    }

    /** See the class comment; the metadata shard is {@code topology.shard(0)}. */
    static Result check(PgTopology topology, String table) throws SQLException {
        int moves = 0;
        long checked = 0;
        long inFlight = 0;
        long violations = 0;
        List<String> samples = new ArrayList<>();
        try (Connection meta = topology.shard(0).primary().connect();
                Statement st = meta.createStatement();
                ResultSet rs = st.executeQuery("SELECT move_id, source, ranges, fence_committed_at::text,"
                        + " fence_complete_at::text FROM strata_meta.moves WHERE phase = 'DONE' ORDER BY move_id")) {
            while (rs.next()) {
                String moveId = rs.getString(1);
                String committedAt = rs.getString(4);
                String completeAt = rs.getString(5);
                if (committedAt == null || completeAt == null) {
                    throw new AssertionError("move " + moveId + " is DONE but its journal row has no fence times");
                }
                moves++;
                String sourceName = rs.getString(2);
                PgShard source = topology.shards().stream()
                        .filter(s -> s.name().equals(sourceName))
                        .findFirst()
                        .orElseThrow();
                for (MovePlan.SlotRange r : MovePlan.Move.parseRanges(rs.getString(3))) {
                    try (Connection c = source.primary().connect();
                            PreparedStatement ps = c.prepareStatement("SELECT count(*),"
                                    + " count(*) FILTER (WHERE committed_at > ?::timestamptz"
                                    + " AND committed_at <= ?::timestamptz),"
                                    + " count(*) FILTER (WHERE committed_at > ?::timestamptz),"
                                    + " string_agg(format('%s key %s slot %s at %s xid %s', table_name, key, slot,"
                                    + " committed_at, xid), '; ') FILTER (WHERE committed_at > ?::timestamptz)"
                                    + " FROM strata_test_audit WHERE table_name = ? AND slot BETWEEN ? AND ?")) {
                        ps.setString(1, committedAt);
                        ps.setString(2, completeAt);
                        ps.setString(3, completeAt);
                        ps.setString(4, completeAt);
                        ps.setString(5, table);
                        ps.setInt(6, r.lo());
                        ps.setInt(7, r.hi());
                        try (ResultSet a = ps.executeQuery()) {
                            a.next();
                            checked += a.getLong(1);
                            inFlight += a.getLong(2);
                            violations += a.getLong(3);
                            if (a.getString(4) != null && samples.size() < 5) {
                                samples.add("move " + moveId + " on " + source.name() + " after " + completeAt + ": "
                                        + a.getString(4)
                                                .substring(
                                                        0,
                                                        Math.min(
                                                                400,
                                                                a.getString(4).length())));
                            }
                        }
                    }
                }
            }
        }
        return new Result(moves, checked, inFlight, violations, List.copyOf(samples));
    }
}
