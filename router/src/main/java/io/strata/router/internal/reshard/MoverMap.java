package io.strata.router.internal.reshard;

import io.strata.router.reshard.MovePlan;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The mover's reads and compare-and-set writes of {@code strata_meta.shard_map} on the metadata
 * shard (schema: reshard design section 1). A new epoch is written only under a SHARE ROW
 * EXCLUSIVE lock of the table, after checking the current row, so two writers cannot fork the map.
 */
final class MoverMap {

    /** One epoch of the map. */
    record Epoch(
            long epoch,
            int[] owners,
            List<String> shards,
            @Nullable String moving,
            @Nullable String switchLsn) {

        /** The index of the shard owning each slot. */
        int ownerOf(int slot) {
            return owners[slot];
        }

        /** The slots a shard owns, as ascending contiguous ranges. */
        List<MovePlan.SlotRange> rangesOf(String shard) {
            int index = shards.indexOf(shard);
            List<MovePlan.SlotRange> out = new ArrayList<>();
            int start = -1;
            for (int s = 0; s <= owners.length; s++) {
                boolean owned = s < owners.length && owners[s] == index;
                if (owned && start < 0) {
                    start = s;
                } else if (!owned && start >= 0) {
                    out.add(new MovePlan.SlotRange(start, s - 1));
                    start = -1;
                }
            }
            return out;
        }
    }

    private MoverMap() {}

    /** The current epoch, or null when the map is empty. */
    static @Nullable Epoch current(Connection meta) throws SQLException {
        try (PreparedStatement ps = meta.prepareStatement(
                        "SELECT epoch, owners, shards, moving::text, switch_lsn::text FROM strata_meta.shard_map"
                                + " ORDER BY epoch DESC LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            Object[] owners = (Object[]) rs.getArray(2).getArray();
            int[] o = new int[owners.length];
            for (int i = 0; i < owners.length; i++) {
                o[i] = ((Number) owners[i]).intValue();
            }
            Object[] shards = (Object[]) rs.getArray(3).getArray();
            List<String> names = new ArrayList<>();
            for (Object s : shards) {
                names.add((String) s);
            }
            return new Epoch(rs.getLong(1), o, names, rs.getString(4), rs.getString(5));
        }
    }

    /** {@code [{"lo":..,"hi":..},...]}. */
    static String rangesJson(List<MovePlan.SlotRange> ranges) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < ranges.size(); i++) {
            MovePlan.SlotRange r = ranges.get(i);
            s.append(i == 0 ? "" : ",")
                    .append("{\"lo\":")
                    .append(r.lo())
                    .append(",\"hi\":")
                    .append(r.hi())
                    .append('}');
        }
        return s.append(']').toString();
    }

    /**
     * The switch: within {@code meta}'s open transaction (the caller commits, together with the
     * journal's SWITCHED), locks the map, checks the source owns every moving slot and nothing is
     * moving, and writes epoch+1 naming the target as owner with the ranges in {@code moving} and
     * {@code switch_lsn[target]}. Returns the new epoch.
     */
    static long switchOwner(Connection meta, MovePlan.Move move, String targetLsn) throws SQLException {
        Sql.exec(meta, "LOCK TABLE strata_meta.shard_map IN SHARE ROW EXCLUSIVE MODE");
        Epoch cur = current(meta);
        if (cur == null) {
            throw Mover.rejected(
                    "the shard map is empty on the metadata shard; start a member with resharding enabled");
        }
        if (cur.moving() != null && !cur.moving().equals("null")) {
            throw Mover.rejected("epoch " + cur.epoch() + " still has slots moving (" + cur.moving() + "); finish or"
                    + " abort that move first");
        }
        int source = cur.shards().indexOf(move.source());
        for (MovePlan.SlotRange r : move.ranges()) {
            for (int s = r.lo(); s <= r.hi(); s++) {
                if (source < 0 || cur.ownerOf(s) != source) {
                    throw Mover.rejected("slot " + s + " is not owned by " + move.source() + " in epoch " + cur.epoch()
                            + "; the map changed under the move");
                }
            }
        }
        List<String> shards = new ArrayList<>(cur.shards());
        int target = shards.indexOf(move.target());
        if (target < 0) {
            shards.add(move.target());
            target = shards.size() - 1;
        }
        int[] owners = cur.owners().clone();
        for (MovePlan.SlotRange r : move.ranges()) {
            Arrays.fill(owners, r.lo(), r.hi() + 1, target);
        }
        insert(
                meta,
                cur.epoch() + 1,
                owners,
                shards,
                rangesJson(move.ranges()),
                cur.switchLsn(),
                move.target(),
                targetLsn);
        return cur.epoch() + 1;
    }

    /**
     * Clears {@code moving} (epoch+1 with the same owners) if the current epoch still lists the
     * move's ranges; returns the epoch written, or the current one when there was nothing to clear.
     */
    static long clearMoving(Connection meta, MovePlan.Move move) throws SQLException {
        Sql.exec(meta, "LOCK TABLE strata_meta.shard_map IN SHARE ROW EXCLUSIVE MODE");
        Epoch cur = current(meta);
        if (cur == null) {
            throw Mover.rejected("the shard map is empty on the metadata shard");
        }
        if (cur.moving() == null
                || !Sql.bool(meta, "SELECT ?::jsonb = ?::jsonb", cur.moving(), rangesJson(move.ranges()))) {
            return cur.epoch();
        }
        insert(meta, cur.epoch() + 1, cur.owners(), cur.shards(), null, cur.switchLsn(), null, null);
        return cur.epoch() + 1;
    }

    /**
     * Inserts an epoch; {@code switch_lsn} = {@code previousLsn} with {@code lsnShard: lsn} added
     * (when given), merged by PostgreSQL ({@code jsonb ||}) so the JSON stays well-formed.
     */
    private static void insert(
            Connection meta,
            long epoch,
            int[] owners,
            List<String> shards,
            @Nullable String moving,
            @Nullable String previousLsn,
            @Nullable String lsnShard,
            @Nullable String lsn)
            throws SQLException {
        Short[] o = new Short[owners.length];
        for (int i = 0; i < owners.length; i++) {
            o[i] = (short) owners[i];
        }
        Array ownersArray = meta.createArrayOf("int2", o);
        Array shardsArray = meta.createArrayOf("text", shards.toArray());
        try (PreparedStatement ps = meta.prepareStatement(
                "INSERT INTO strata_meta.shard_map (epoch, slots, owners, shards, moving, switch_lsn)"
                        + " VALUES (?, ?, ?, ?, ?::jsonb, CASE WHEN ?::text IS NULL THEN ?::jsonb"
                        + " ELSE coalesce(?::jsonb, '{}'::jsonb) || jsonb_build_object(?::text, ?::text) END)")) {
            ps.setLong(1, epoch);
            ps.setInt(2, owners.length);
            ps.setArray(3, ownersArray);
            ps.setArray(4, shardsArray);
            ps.setString(5, moving);
            ps.setString(6, lsnShard);
            ps.setString(7, previousLsn);
            ps.setString(8, previousLsn);
            ps.setString(9, lsnShard);
            ps.setString(10, lsn);
            ps.executeUpdate();
        }
    }

    /** Live members (seen within {@code leaseSeconds}) still on an epoch below {@code epoch}. */
    static long membersBehind(Connection meta, long epoch, double leaseSeconds) throws SQLException {
        return Sql.longValue(
                meta,
                "SELECT count(*) FROM strata_meta.members WHERE epoch < ?"
                        + " AND seen_at > now() - make_interval(secs => ?)",
                epoch,
                leaseSeconds);
    }
}
