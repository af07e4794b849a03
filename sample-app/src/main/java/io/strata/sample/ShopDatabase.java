package io.strata.sample;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.ReadStrategy;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.replication.ReplicaSetDataSourceBuilder;
import io.strata.router.Driver;
import io.strata.router.ShardingDataSource;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Strata's sharding data source for the shop: built from shard endpoints (one replica set per
 * shard, metrics into the member's registry), or started by the {@code jdbc:strata:} driver from
 * a YAML file.
 */
final class ShopDatabase implements AutoCloseable {

    final ShardingDataSource dataSource;
    /** The shards' replica sets when built here (empty when the driver built them from YAML). */
    final List<ReplicaSetDataSource> replicaSets;

    private final @Nullable String strataUrl;

    private ShopDatabase(
            ShardingDataSource dataSource, List<ReplicaSetDataSource> replicaSets, @Nullable String strataUrl) {
        this.dataSource = dataSource;
        this.replicaSets = replicaSets;
        this.strataUrl = strataUrl;
    }

    /**
     * Builds the data source over {@code shards}. {@code coordinatorId} names this JVM in
     * two-phase commit; building resolves in-doubt transactions from the commit markers the shards
     * hold (which is how a crashed member's prepared transactions get finished).
     */
    static ShopDatabase open(List<ShardEndpoints> shards, String coordinatorId, Path workDir, MeterRegistry registry) {
        List<ReplicaSetDataSource> sets = new ArrayList<>();
        try {
            ShardingDataSource.Builder builder = ShardingDataSource.builder()
                    .coordinatorId(coordinatorId)
                    .meterRegistry(registry)
                    .closeShards(true);
            for (ShardEndpoints shard : shards) {
                ReplicaSetDataSource set = replicaSet(shard, registry);
                sets.add(set);
                builder.shard(set);
            }
            return new ShopDatabase(ShopSchema.rules(builder).build(), List.copyOf(sets), null);
        } catch (RuntimeException e) {
            sets.forEach(ReplicaSetDataSource::close);
            throw e;
        }
    }

    /**
     * The data source for a {@code jdbc:strata:} URL. A file URL is opened through
     * {@link ShardingDataSource#fromYaml(Path, MeterRegistry)} (the same YAML the driver reads) so
     * that the shards' meters reach this member's registry; a {@code classpath:} URL goes through
     * the driver, without per-node meters.
     */
    static ShopDatabase open(String url, MeterRegistry registry) throws SQLException {
        String location = url.substring("jdbc:strata:".length());
        if (!location.startsWith("classpath:")) {
            return new ShopDatabase(ShardingDataSource.fromYaml(Path.of(location), registry), List.of(), null);
        }
        Driver driver = (Driver) DriverManager.getDriver(url);
        return new ShopDatabase(driver.dataSource(url), List.of(), url);
    }

    private static ReplicaSetDataSource replicaSet(ShardEndpoints shard, MeterRegistry registry) {
        ReplicaSetDataSourceBuilder b = ReplicaSetDataSource.builder()
                .name(shard.name())
                .primary(shard.name() + "-primary", shard.primaryUrl())
                .username(shard.user())
                .password(shard.password())
                // Connection timeout 5 s instead of the node timeout (1 s): several member JVMs start at once
                // on a small, shared machine, and the demo injects no node faults that a short timeout would catch.
                .primaryPool(pool -> {
                    pool.setMaximumPoolSize(12);
                    pool.setConnectionTimeout(5000);
                })
                .replicaPool(pool -> {
                    pool.setMaximumPoolSize(12);
                    pool.setConnectionTimeout(5000);
                })
                .readStrategy(ReadStrategy.roundRobin())
                .maxLag(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(50))
                .meterRegistry(registry);
        for (int i = 0; i < shard.replicaUrls().size(); i++) {
            b.replica(shard.name() + "-replica" + i, shard.replicaUrls().get(i));
        }
        return b.build();
    }

    @Override
    public void close() {
        if (strataUrl != null) {
            try {
                Driver.shutdown(strataUrl);
            } catch (SQLException e) {
                // closing anyway
            }
        } else {
            dataSource.close();
        }
    }
}
