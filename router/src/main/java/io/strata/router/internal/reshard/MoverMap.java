package io.strata.router.internal.reshard;

import io.strata.router.ShardMap;
import io.strata.router.reshard.MovePlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The mover's reads and compare-and-set writes of the shard map, through core's {@link MetaStore}
 * on the metadata shard. The switch and the clearing of {@code moving} are each one
 * compare-and-set inside the caller's transaction (so the journal changes in the same commit).
 */
final class MoverMap {

    private MoverMap() {}

    static MetaStore.@Nullable MapEpoch current(Connection meta) throws SQLException {
        return MetaStore.read(meta, -1);
    }

    /** The slots a shard owns in a map, as ascending contiguous ranges. */
    static List<MovePlan.SlotRange> rangesOf(ShardMap map, String shard) {
        int index = map.shards().indexOf(shard);
        List<MovePlan.SlotRange> out = new ArrayList<>();
        int start = -1;
        for (int s = 0; s <= map.slots(); s++) {
            boolean owned = index >= 0 && s < map.slots() && map.shardIndexOfSlot(s) == index;
            if (owned && start < 0) {
                start = s;
            } else if (!owned && start >= 0) {
                out.add(new MovePlan.SlotRange(start, s - 1));
                start = -1;
            }
        }
        return out;
    }

    private static List<MetaStore.MovingRange> moving(MovePlan.Move move) {
        List<MetaStore.MovingRange> out = new ArrayList<>();
        for (MovePlan.SlotRange r : move.ranges()) {
            out.add(new MetaStore.MovingRange(r.lo(), r.hi(), move.source(), move.target()));
        }
        return out;
    }

    /**
     * The switch, inside {@code meta}'s open transaction (the caller commits together with the
     * journal's SWITCHED): checks the source owns every moving slot and nothing else is moving,
     * and writes epoch+1 naming the target as owner, the ranges in {@code moving} and
     * {@code switch_lsn[target]}. Returns the new epoch.
     */
    static long switchOwner(Connection meta, MovePlan.Move move, String targetLsn) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            MetaStore.MapEpoch cur = current(meta);
            if (cur == null) {
                throw Mover.rejected(
                        "the shard map is empty on the metadata shard; start a member with resharding enabled");
            }
            if (!cur.moving().isEmpty()) {
                throw Mover.rejected("epoch " + cur.epoch() + " still has slots moving (" + cur.moving()
                        + "); finish or abort that move first");
            }
            ShardMap map = cur.map();
            int source = map.shards().indexOf(move.source());
            for (MovePlan.SlotRange r : move.ranges()) {
                for (int s = r.lo(); s <= r.hi(); s++) {
                    if (source < 0 || map.shardIndexOfSlot(s) != source) {
                        throw Mover.rejected("slot " + s + " is not owned by " + move.source() + " in epoch "
                                + cur.epoch() + "; the map changed under the move");
                    }
                }
            }
            List<String> shards = new ArrayList<>(map.shards());
            int target = shards.indexOf(move.target());
            if (target < 0) {
                shards.add(move.target());
                target = shards.size() - 1;
            }
            int[] owners = new int[map.slots()];
            for (int s = 0; s < owners.length; s++) {
                owners[s] = map.shardIndexOfSlot(s);
            }
            for (MovePlan.SlotRange r : move.ranges()) {
                for (int s = r.lo(); s <= r.hi(); s++) {
                    owners[s] = target;
                }
            }
            Map<String, String> lsn = new HashMap<>(cur.switchLsn());
            lsn.put(move.target(), targetLsn);
            MetaStore.MapEpoch next =
                    new MetaStore.MapEpoch(cur.epoch() + 1, ShardMap.of(shards, owners), moving(move), lsn);
            if (MetaStore.compareAndSet(meta, cur.epoch(), next)) {
                return cur.epoch() + 1;
            }
            if (attempt > 10) {
                throw Mover.rejected("the shard map kept changing under the switch of move " + move.id());
            }
        }
    }

    /**
     * Clears {@code moving} (epoch+1, same owners) if the current epoch still lists exactly this
     * move's ranges, inside {@code meta}'s open transaction; returns the epoch then current.
     */
    static long clearMoving(Connection meta, MovePlan.Move move) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            MetaStore.MapEpoch cur = current(meta);
            if (cur == null) {
                throw Mover.rejected("the shard map is empty on the metadata shard");
            }
            if (!cur.moving().equals(moving(move))) {
                return cur.epoch();
            }
            MetaStore.MapEpoch next = new MetaStore.MapEpoch(cur.epoch() + 1, cur.map(), List.of(), cur.switchLsn());
            if (MetaStore.compareAndSet(meta, cur.epoch(), next)) {
                return cur.epoch() + 1;
            }
            if (attempt > 10) {
                throw Mover.rejected("the shard map kept changing while clearing move " + move.id());
            }
        }
    }

    /** Live members (seen within {@code leaseSeconds}, server clock) still on an epoch below {@code epoch}. */
    static long membersBehind(Connection meta, long epoch, double leaseSeconds) throws SQLException {
        return Sql.longValue(
                meta,
                "SELECT count(*) FROM strata_meta.members WHERE epoch < ?"
                        + " AND seen_at > now() - make_interval(secs => ?)",
                epoch,
                leaseSeconds);
    }
}
