package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithPgTopology;
import io.strata.testkit.WithRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** Coordination through Redis alone: pub/sub invalidations, SET NX leases, stream write-behind. */
@WithRedis
@WithPgTopology(shards = 1, replicasPerShard = 0)
class RedisCoordinationTest {

    private static HikariDataSource db;
    private static PgServer pg;
    private static JedisPooled jedis;
    private final List<TieredCache<Long, Item>> caches = new ArrayList<>();

    @BeforeAll
    static void start(PgTopology topology, RedisNode redis) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 6);
        jedis = new JedisPooled(redis.host(), redis.port());
        // write-behind refuses a Redis that can lose what it acknowledged (RedisWriteBehindDurabilityTest)
        jedis.configSet("appendonly", "yes");
        jedis.configSet("appendfsync", "always");
    }

    @AfterAll
    static void stop() {
        jedis.close();
        db.close();
    }

    @AfterEach
    void close() {
        caches.forEach(TieredCache::close);
    }

    private TieredCache<Long, Item> member(String name, Store<Long, Item> store, WriteStrategy strategy) {
        TieredCache<Long, Item> c = TieredCache.builder(name, Long.class, Item.class)
                .tier(LocalTier.builder().expireAfterWrite(Duration.ofHours(1)).build())
                .tier(RedisTier.of(jedis))
                .coordination(RedisCoordination.of(jedis))
                .store(store)
                .writeStrategy(strategy)
                .invalidationHeartbeat(Duration.ofMillis(200))
                .build();
        caches.add(c);
        return c;
    }

    private JdbcStore<Long, Item> store(String table) {
        Databases.table(pg, table);
        return JdbcStore.builder(db, table, Long.class, Item.class).build();
    }

    @Test
    void aPutOnOneMember_dropsTheOtherMembersL1Copy_overPubSub() {
        JdbcStore<Long, Item> store = store("rinval");
        TieredCache<Long, Item> a = member("rinval", store, WriteStrategy.writeThrough());
        TieredCache<Long, Item> b = member("rinval", store, WriteStrategy.writeThrough());
        a.put(1L, new Item("v1", 1));
        assertThat(b.get(1L)).isEqualTo(new Item("v1", 1));
        a.put(1L, new Item("v2", 2));
        await().atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(b.get(1L)).isEqualTo(new Item("v2", 2)));
    }

    @Test
    void concurrentGetsOfAMissingKeyOnTwoMembers_loadOnce_withTheRedisLease() throws Exception {
        JdbcStore<Long, Item> jdbc = store("rlease");
        jdbc.write(1L, new Item("hot", 1), 1);
        CountingStore<Long, Item> counting = new CountingStore<>(jdbc, () -> pg.execute("SELECT pg_sleep(0.3)"));
        List<TieredCache<Long, Item>> members = List.of(
                member("rlease", counting, WriteStrategy.cacheAside()),
                member("rlease", counting, WriteStrategy.cacheAside()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(20);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Item>> gets = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                TieredCache<Long, Item> m = members.get(i % 2);
                gets.add(pool.submit(() -> {
                    go.await();
                    return m.get(1L);
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<Item> f : gets) {
                assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(new Item("hot", 1));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(counting.loads).hasValue(1);
    }

    @Test
    void writeBehindOnRedisStreams_flushesEverything_andReadsSeeUnflushedWrites() {
        JdbcStore<Long, Item> store = store("rwb");
        TieredCache<Long, Item> a =
                member("rwb", store, WriteStrategy.writeBehind().withPartitions(4));
        TieredCache<Long, Item> b =
                member("rwb", store, WriteStrategy.writeBehind().withPartitions(4));
        for (long k = 0; k < 2000; k++) {
            (k % 2 == 0 ? a : b).put(k % 500, new Item("v", k));
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        ((DefaultTieredCache<Long, Item>) a).writeBehindQueue().depth() == 0);
        for (long k = 1500; k < 2000; k++) {
            assertThat(store.load(k % 500)).isEqualTo(new Item("v", k));
        }
    }

    @Test
    void close_drainsTheStreamsItOwns() {
        JdbcStore<Long, Item> store = store("rwbclose");
        TieredCache<Long, Item> a = member(
                "rwbclose",
                store,
                WriteStrategy.writeBehind().withPartitions(4).withFlushInterval(Duration.ofMinutes(1)));
        await().pollDelay(Duration.ofMillis(300)).until(() -> true); // the flusher found nothing and sleeps
        for (long k = 0; k < 300; k++) {
            a.put(k, new Item("v", k));
        }
        a.close();
        for (long k = 0; k < 300; k++) {
            assertThat(store.load(k)).isEqualTo(new Item("v", k));
        }
    }
}
