package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three real Hazelcast members in this JVM, each with its own cache, over real PostgreSQL. */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class HazelcastClusterTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(200);

    private static HazelcastMembers members;
    private static HikariDataSource db;
    private static PgServer pg;
    private final List<TieredCache<Long, Item>> caches = new ArrayList<>();
    private final List<SimpleMeterRegistry> registries = new ArrayList<>();

    @BeforeAll
    static void start(PgTopology topology) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 8);
        members = HazelcastMembers.start(3);
    }

    @AfterAll
    static void stop() {
        members.close();
        db.close();
    }

    @AfterEach
    void closeCaches() {
        caches.forEach(TieredCache::close);
    }

    private List<TieredCache<Long, Item>> cachesOnEveryMember(
            String name, Store<Long, Item> store, WriteStrategy strategy, Duration lease, FakeClock clock) {
        for (int i = 0; i < 3; i++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            TieredCacheBuilder<Long, Item> b = TieredCache.builder(name, Long.class, Item.class)
                    .tier(LocalTier.builder()
                            .expireAfterWrite(Duration.ofHours(1))
                            .build())
                    .tier(HazelcastTier.of(members.member(i)))
                    .coordination(HazelcastCoordination.of(members.member(i)))
                    .store(store)
                    .writeStrategy(strategy)
                    .clusterLease(lease)
                    .invalidationHeartbeat(HEARTBEAT)
                    .meterRegistry(registry);
            if (clock != null) {
                b.clock(clock);
            }
            registries.add(registry);
            caches.add(b.build());
        }
        return caches;
    }

    private JdbcStore<Long, Item> store(String table) {
        Databases.table(pg, table);
        return JdbcStore.builder(db, table, Long.class, Item.class).build();
    }

    @Test
    void anUpdateOnMember1_isSeenOnMember2_withinTheDocumentedBound() {
        List<TieredCache<Long, Item>> c = cachesOnEveryMember(
                "bound", store("bound"), WriteStrategy.writeThrough(), Duration.ofSeconds(10), null);
        c.get(0).put(1L, new Item("v1", 1));
        assertThat(c.get(1).get(1L)).isEqualTo(new Item("v1", 1)); // now in member 2's L1
        c.get(0).put(1L, new Item("v2", 2));
        // the bound: delivery plus three heartbeats (README); L1 alone would keep v1 for an hour
        await().atMost(HEARTBEAT.multipliedBy(3).plusSeconds(1))
                .pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertThat(c.get(1).get(1L)).isEqualTo(new Item("v2", 2)));
        assertThat(registries
                        .get(1)
                        .get("strata.cache.invalidations")
                        .tag("direction", "received")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void droppedInvalidations_areAGap_thatClearsMember2sL1() {
        List<TieredCache<Long, Item>> c =
                cachesOnEveryMember("gap", store("gap"), WriteStrategy.writeThrough(), Duration.ofSeconds(10), null);
        c.get(0).put(7L, new Item("v1", 1));
        c.get(0).put(8L, new Item("other", 1));
        assertThat(c.get(1).get(7L)).isEqualTo(new Item("v1", 1));
        assertThat(c.get(1).get(8L)).isEqualTo(new Item("other", 1));
        // let member 2 hear member 1 at least once, so that member 1 is a known sender
        await().until(() -> registries
                        .get(1)
                        .find("strata.cache.invalidations")
                        .tag("direction", "received")
                        .counter()
                != null);

        ((DefaultTieredCache<Long, Item>) c.get(0)).invalidationChannel().dropNext(1);
        c.get(0).put(7L, new Item("v2", 2)); // its invalidation is lost on the way

        await().atMost(HEARTBEAT.multipliedBy(3).plusSeconds(1))
                .untilAsserted(() -> assertThat(c.get(1).get(7L)).isEqualTo(new Item("v2", 2)));
        assertThat(registries
                        .get(1)
                        .get("strata.cache.invalidation.gaps")
                        .tag("reason", "sequence")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1);
        // the whole L1 was cleared, not just the key: member 2 reads 8 from L2 again
        assertThat(c.get(1).get(8L)).isEqualTo(new Item("other", 1));
    }

    private int concurrentGetsOfAnExpiredHotKey(Duration lease, String name) throws Exception {
        FakeClock clock = new FakeClock();
        JdbcStore<Long, Item> jdbc = store(name);
        jdbc.write(42L, new Item("hot", 1), 1);
        // a slow query, so that all gets overlap the load
        CountingStore<Long, Item> counting = new CountingStore<>(jdbc, () -> pg.execute("SELECT pg_sleep(0.3)"));
        List<TieredCache<Long, Item>> c = cachesOnEveryMember(name, counting, WriteStrategy.cacheAside(), lease, clock);
        assertThat(c.get(0).get(42L)).isEqualTo(new Item("hot", 1));
        clock.advance(Duration.ofMinutes(11)); // past the 10 minute TTL in every tier
        counting.loads.set(0);

        ExecutorService pool = Executors.newFixedThreadPool(60);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Item>> gets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                TieredCache<Long, Item> cache = c.get(i % 3);
                gets.add(pool.submit(() -> {
                    go.await();
                    return cache.get(42L);
                }));
            }
            go.countDown();
            for (Future<Item> f : gets) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(new Item("hot", 1));
            }
        } finally {
            pool.shutdownNow();
        }
        return counting.loads.get();
    }

    @Test
    void thousandConcurrentGetsOfAnExpiredHotKeyAcrossThreeMembers_loadExactlyOnce_withTheLease() throws Exception {
        assertThat(concurrentGetsOfAnExpiredHotKey(Duration.ofSeconds(10), "hot"))
                .isEqualTo(1);
    }

    @Test
    void withoutTheLease_eachMemberLoadsOnItsOwn() throws Exception {
        assertThat(concurrentGetsOfAnExpiredHotKey(Duration.ZERO, "hotnolease")).isBetween(2, 3);
    }

    @Test
    void refreshAhead_reloadsOnceAcrossTheCluster_andEveryMemberGetsTheNewValue() {
        FakeClock clock = new FakeClock();
        java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();
        List<TieredCache<Long, Item>> c = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TieredCache<Long, Item> cache = TieredCache.builder("refresh", Long.class, Item.class)
                    .tier(LocalTier.builder()
                            .expireAfterWrite(Duration.ofHours(1))
                            .build())
                    .tier(HazelcastTier.of(members.member(i)))
                    .coordination(HazelcastCoordination.of(members.member(i)))
                    .clock(clock)
                    .ttlJitter(0)
                    .expireAfterWrite(Duration.ofMinutes(10))
                    .refreshAfter(Duration.ofMinutes(1))
                    .invalidationHeartbeat(HEARTBEAT)
                    .build();
            caches.add(cache);
            c.add(cache);
        }
        java.util.function.Function<Long, Item> loader = k -> new Item("v", loads.incrementAndGet());
        for (TieredCache<Long, Item> cache : c) {
            assertThat(cache.get(5L, loader)).isEqualTo(new Item("v", 1)); // one load, the others from L2
        }
        clock.advance(Duration.ofMinutes(2));
        for (int round = 0; round < 20; round++) {
            for (TieredCache<Long, Item> cache : c) {
                assertThat(cache.get(5L, loader).name()).isEqualTo("v"); // never blocks, old or new value
            }
        }
        await().untilAsserted(() -> {
            for (TieredCache<Long, Item> cache : c) {
                assertThat(cache.get(5L, loader)).isEqualTo(new Item("v", 2));
            }
        });
        assertThat(loads).hasValue(2);
    }

    @Test
    void invalidate_reachesEveryMembersL1_andTheSharedTier() {
        List<TieredCache<Long, Item>> c =
                cachesOnEveryMember("inval", store("inval"), WriteStrategy.cacheAside(), Duration.ofSeconds(10), null);
        c.get(0).put(3L, new Item("x", 1));
        for (TieredCache<Long, Item> cache : c) {
            assertThat(cache.getIfPresent(3L)).isEqualTo(new Item("x", 1));
        }
        c.get(2).invalidate(3L);
        await().untilAsserted(() -> {
            for (TieredCache<Long, Item> cache : c) {
                assertThat(cache.getIfPresent(3L)).isNull();
            }
        });
    }
}
