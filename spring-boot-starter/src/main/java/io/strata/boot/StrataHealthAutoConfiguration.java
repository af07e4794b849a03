package io.strata.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.strata.cache.TieredCache;
import io.strata.replication.ReplicaSetDataSource;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Actuator health: {@code strataShards} (one indicator per shard, see {@link ShardHealthIndicator})
 * when Strata is the DataSource, and {@code strataCaches} (one per tiered cache, see
 * {@link CacheHealthIndicator}) when tiered caches are beans. Turned off with
 * {@code management.health.strata.enabled=false}.
 */
@AutoConfiguration(after = {StrataAutoConfiguration.class, StrataCacheAutoConfiguration.class})
@ConditionalOnClass(HealthContributor.class)
@ConditionalOnEnabledHealthIndicator("strata")
public class StrataHealthAutoConfiguration {

    /** Creates the auto-configuration (Spring does). */
    public StrataHealthAutoConfiguration() {}

    /** One health indicator per shard, named after it. */
    @Bean
    @ConditionalOnBean(StrataDataSource.class)
    public HealthContributor strataShardsHealthContributor(StrataDataSource dataSource, StrataProperties properties)
            throws SQLException {
        Map<String, HealthContributor> shards = new LinkedHashMap<>();
        Status replicasDown = new Status(properties.getHealth().getReplicasDownStatus());
        for (Map.Entry<String, DataSource> e :
                dataSource.shardingDataSource().shardDataSources().entrySet()) {
            if (e.getValue().isWrapperFor(ReplicaSetDataSource.class)) {
                shards.put(
                        e.getKey(),
                        new ShardHealthIndicator(
                                e.getValue().unwrap(ReplicaSetDataSource.class),
                                replicasDown,
                                properties.getHealth().getMaxLag()));
            }
        }
        return CompositeHealthContributor.fromMap(shards);
    }

    /** One health indicator per tiered cache bean, named after the cache. */
    @Bean
    @org.springframework.context.annotation.Conditional(OnStrataCaches.class)
    public HealthContributor strataCachesHealthContributor(
            ObjectProvider<TieredCache<?, ?>> caches,
            ObjectProvider<MeterRegistry> registry,
            StrataProperties properties) {
        MeterRegistry meters = registry.getIfAvailable(CompositeMeterRegistry::new);
        StrataProperties.Health h = properties.getHealth();
        Map<String, HealthContributor> out = new LinkedHashMap<>();
        caches.orderedStream()
                .forEach(c -> out.put(
                        c.name(),
                        new CacheHealthIndicator(
                                c.name(),
                                meters,
                                new Status(h.getTierOpenStatus()),
                                new Status(h.getWriteBehindBacklogStatus()),
                                h.getWriteBehindDepthLimit())));
        return CompositeHealthContributor.fromMap(out);
    }
}
