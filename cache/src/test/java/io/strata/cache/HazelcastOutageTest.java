package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A Hazelcast L2 on a client whose cluster goes away: reads keep coming from PostgreSQL. */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class HazelcastOutageTest {

    @Test
    void aLostHazelcastCluster_turnsL2IntoCountedMisses_andReadsNeverFail(PgTopology topology) {
        PgServer pg = topology.shard(0).primary();
        Databases.table(pg, "hzdown");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (HikariDataSource db = Databases.pool(pg, 2);
                HazelcastMembers members = HazelcastMembers.start(1)) {
            JdbcStore<Long, Item> store =
                    JdbcStore.builder(db, "hzdown", Long.class, Item.class).build();
            for (long k = 0; k < 20; k++) {
                store.write(k, new Item("db", k), 1);
            }
            HazelcastInstance client = members.client();
            try (TieredCache<Long, Item> cache = TieredCache.builder("hzdown", Long.class, Item.class)
                    .tier(LocalTier.builder()
                            .expireAfterWrite(Duration.ofMillis(1))
                            .build()) // L1 keeps nothing
                    .tier(HazelcastTier.of(client))
                    .store(store)
                    .tierTimeout(Duration.ofMillis(200))
                    .meterRegistry(registry)
                    .build()) {
                for (long k = 0; k < 20; k++) {
                    assertThat(cache.get(k)).isEqualTo(new Item("db", k));
                }
                members.member(0).getLifecycleService().terminate();
                for (int round = 0; round < 10; round++) {
                    for (long k = 0; k < 20; k++) {
                        assertThat(cache.get(k)).isEqualTo(new Item("db", k));
                    }
                }
                Counter errors = registry.find("strata.cache.gets")
                        .tags("tier", "hazelcast", "result", "error")
                        .counter();
                Counter skipped = registry.find("strata.cache.gets")
                        .tags("tier", "hazelcast", "result", "skipped")
                        .counter();
                assertThat((errors == null ? 0 : errors.count()) + (skipped == null ? 0 : skipped.count()))
                        .isGreaterThan(0);
                await().untilAsserted(() -> assertThat(registry.get("strata.cache.circuit.state")
                                .tag("tier", "hazelcast")
                                .gauge()
                                .value())
                        .isEqualTo(1));
            }
        }
    }
}
