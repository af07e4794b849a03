package io.strata.router.internal.plan;

import io.strata.router.ShardMap;
import io.strata.router.TableRule;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sealed routing configuration the planner reads: the shard map, the table rules, what to do
 * with tables without a rule and writes without a key, and the clock time-range statements read
 * "now" from.
 *
 * @param defaultShard index of the shard for tables without a rule, or -1 to reject them
 */
public record RoutingRules(
        ShardMap shardMap,
        Map<String, TableRule> tables,
        int defaultShard,
        boolean keylessWritesToAllShards,
        Clock clock) {

    /** Rules on the system clock. */
    public RoutingRules(
            ShardMap shardMap, Map<String, TableRule> tables, int defaultShard, boolean keylessWritesToAllShards) {
        this(shardMap, tables, defaultShard, keylessWritesToAllShards, Clock.systemUTC());
    }

    /** The rule for a table name (any case, schema stripped), or null. */
    public TableRule rule(String table) {
        return tables.get(table.toLowerCase(Locale.ROOT));
    }

    List<String> shardNames() {
        return shardMap.shards();
    }

    int shardIndex(String name) {
        return shardMap.shards().indexOf(name);
    }
}
