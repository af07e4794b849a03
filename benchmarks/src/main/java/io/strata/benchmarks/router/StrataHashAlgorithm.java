package io.strata.benchmarks.router;

import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import org.apache.shardingsphere.sharding.api.sharding.standard.PreciseShardingValue;
import org.apache.shardingsphere.sharding.api.sharding.standard.RangeShardingValue;
import org.apache.shardingsphere.sharding.api.sharding.standard.StandardShardingAlgorithm;

/**
 * A ShardingSphere CLASS_BASED algorithm that places keys exactly as Strata's {@link ShardMap}
 * does (CRC-32 of the canonical bytes, 4096 slots, contiguous ranges), so both routers read the
 * same rows from the same shards. Data sources must be named {@code ds_0 .. ds_<n-1>}.
 */
public final class StrataHashAlgorithm implements StandardShardingAlgorithm<Comparable<?>> {

    @SuppressWarnings("NullAway.Init") // ShardingSphere calls init() before any doSharding
    private ShardMap map;

    @Override
    public void init(Properties props) {
        int shards = Integer.parseInt(props.getProperty("shards", "2"));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            names.add("ds_" + i);
        }
        map = ShardMap.uniform(names);
    }

    @Override
    public String doSharding(Collection<String> targets, PreciseShardingValue<Comparable<?>> value) {
        try {
            return map.shardOf(value.getValue(), KeyType.LONG);
        } catch (SQLException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public Collection<String> doSharding(Collection<String> targets, RangeShardingValue<Comparable<?>> value) {
        return targets;
    }

    @Override
    public String getType() {
        return "CLASS_BASED";
    }
}
