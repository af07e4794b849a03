package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithPgTopology;
import io.strata.testkit.WithRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/**
 * Issue 12, item 5: with a coordination (load leases), each L1 miss asked Hazelcast and Redis twice
 * (once when reading, once more after taking the lease). Now each tier is asked once per miss;
 * it is asked again only when another member released the key's lease after this member's read,
 * or while waiting for another member's load.
 */
@WithRedis
@WithPgTopology(shards = 1, replicasPerShard = 0)
class RemoteTiersAskedTwicePerMissTest {

    private static final int KEYS = 500;

    private static PgServer pg;
    private static HikariDataSource db;
    private static HazelcastMembers members;
    private static JedisPooled jedis;

    @BeforeAll
    static void start(PgTopology topology, RedisNode redis) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 4);
        members = HazelcastMembers.start(1);
        jedis = new JedisPooled(redis.host(), redis.port());
    }

    @AfterAll
    static void stop() {
        jedis.close();
        members.close();
        db.close();
    }

    private static TieredCache<Long, Item> member(JdbcStore<Long, Item> store, SimpleMeterRegistry registry) {
        HazelcastInstance hz = members.member(0);
        return TieredCache.builder("lookups", Long.class, Item.class)
                .tier(LocalTier.builder().build())
                .tier(HazelcastTier.of(hz))
                .tier(RedisTier.of(jedis))
                .coordination(HazelcastCoordination.of(hz))
                .store(store)
                .meterRegistry(registry)
                .build();
    }

    private static double lookups(SimpleMeterRegistry registry, String tier) {
        return registry.find("strata.cache.gets").tag("tier", tier).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    @Test
    void eachRemoteTier_isAskedOncePerL1Miss() {
        Databases.table(pg, "lookups");
        pg.execute("INSERT INTO lookups (id, value, version) SELECT g, jsonb_build_object('name', 'v', "
                + "'revision', g), 1 FROM generate_series(0, " + (KEYS - 1) + ") g");
        JdbcStore<Long, Item> store =
                JdbcStore.builder(db, "lookups", Long.class, Item.class).build();
        SimpleMeterRegistry first = new SimpleMeterRegistry();
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        try (TieredCache<Long, Item> a = member(store, first);
                TieredCache<Long, Item> b = member(store, second)) {
            for (long k = 0; k < KEYS; k++) {
                a.get(k); // a miss everywhere: loaded
            }
            assertThat(lookups(first, "hazelcast")).isEqualTo(KEYS);
            assertThat(lookups(first, "redis")).isEqualTo(KEYS);

            for (long k = 0; k < KEYS; k++) {
                b.get(k); // an L1 miss, found in L2
            }
            assertThat(lookups(second, "hazelcast")).isEqualTo(KEYS);
            assertThat(lookups(second, "redis")).isZero();

            for (long k = 0; k < KEYS; k++) {
                a.invalidate(k); // released leases are still marked: a's next read comes after them
            }
            for (long k = 0; k < KEYS; k++) {
                a.get(k);
            }
            assertThat(lookups(first, "hazelcast")).isEqualTo(2 * KEYS);
            assertThat(lookups(first, "redis")).isEqualTo(2 * KEYS);
        }
    }
}
