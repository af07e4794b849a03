package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Durable write-behind on three real Hazelcast members over real PostgreSQL. The member crash
 * test runs last: it leaves the cluster with two members.
 */
@WithPgTopology(shards = 1, replicasPerShard = 0)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WriteBehindHazelcastTest {

    private static HazelcastMembers members;
    private static HikariDataSource db;
    private static PgServer pg;
    private final List<TieredCache<Long, Item>> caches = new ArrayList<>();
    private final List<SimpleMeterRegistry> registries = new ArrayList<>();

    @BeforeAll
    static void start(PgTopology topology) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 6);
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

    private List<TieredCache<Long, Item>> writeBehindOnEveryMember(String table, WriteStrategy strategy) {
        Databases.table(pg, table);
        JdbcStore<Long, Item> store =
                JdbcStore.builder(db, table, Long.class, Item.class).build();
        for (int i = 0; i < 3; i++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registries.add(registry);
            caches.add(TieredCache.builder(table, Long.class, Item.class)
                    .tier(LocalTier.builder().maximumSize(20_000).build())
                    .coordination(HazelcastCoordination.of(members.member(i)))
                    .store(store)
                    .writeStrategy(strategy)
                    .meterRegistry(registry)
                    .build());
        }
        return caches;
    }

    private static Map<Long, Item> rows(String table) throws Exception {
        Map<Long, Item> rows = new HashMap<>();
        try (Connection c = db.getConnection();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT id, value->>'name', (value->>'revision')::bigint FROM " + table)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), new Item(rs.getString(2), rs.getLong(3)));
            }
        }
        return rows;
    }

    private static long depth(TieredCache<Long, Item> cache) {
        return ((DefaultTieredCache<Long, Item>) cache).writeBehindQueue().depth();
    }

    @Test
    @Order(0)
    void aWriteTheStoreKeepsRefusing_isRetriedWithBackoff_thenDeadLettered_andTheRestFlows() throws Exception {
        Databases.table(pg, "wb_poison");
        JdbcStore<Long, Item> jdbc =
                JdbcStore.builder(db, "wb_poison", Long.class, Item.class).build();
        AtomicInteger poisonAttempts = new AtomicInteger();
        Store<Long, Item> refusing = new Store<>() {
            @Override
            public Item load(Long key) {
                return jdbc.load(key);
            }

            @Override
            public void write(Long key, Item value, long version) {
                if (key == 13L) {
                    poisonAttempts.incrementAndGet();
                    throw new IllegalArgumentException("row 13 violates a constraint");
                }
                jdbc.write(key, value, version);
            }

            @Override
            public void writeAll(Map<? extends Long, Versioned<Item>> entries) {
                if (entries.containsKey(13L)) {
                    if (entries.size() == 1) {
                        poisonAttempts.incrementAndGet(); // a retry of the write alone
                    }
                    throw new IllegalArgumentException("batch with row 13 violates a constraint");
                }
                jdbc.writeAll(entries);
            }

            @Override
            public void delete(Long key) {
                jdbc.delete(key);
            }
        };
        // every member runs the cache (as every member of an application does): each flushes its partitions
        for (int i = 0; i < 3; i++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registries.add(registry);
            caches.add(TieredCache.builder("wb_poison", Long.class, Item.class)
                    .tier(LocalTier.builder().build())
                    .coordination(HazelcastCoordination.of(members.member(i)))
                    .store(refusing)
                    .writeStrategy(WriteStrategy.writeBehind()
                            .withMaxAttempts(3)
                            .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)))
                    .meterRegistry(registry)
                    .build());
        }
        TieredCache<Long, Item> cache = caches.get(0);
        for (long k = 0; k < 50; k++) {
            caches.get((int) (k % 3)).put(k, new Item("v", k));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> depth(cache) == 0);
        assertThat(poisonAttempts).hasValue(3);
        double deadLetters = registries.stream()
                .mapToDouble(r -> r.find("strata.cache.writebehind.deadletters").counters().stream()
                        .mapToDouble(x -> x.count())
                        .sum())
                .sum();
        assertThat(deadLetters).isEqualTo(1);
        assertThat(members.member(0).getMap("strata-wb-dead.wb_poison").containsKey("13"))
                .isTrue();
        assertThat(rows("wb_poison")).hasSize(49).doesNotContainKey(13L);
    }

    @Test
    @Order(1)
    void gracefulClose_drainsEverything() throws Exception {
        // an idle flusher sleeps for a minute: only close can make these writes reach the database in time
        List<TieredCache<Long, Item>> c = writeBehindOnEveryMember(
                "wb_close", WriteStrategy.writeBehind().withFlushInterval(Duration.ofMinutes(1)));
        await().pollDelay(Duration.ofMillis(300)).until(() -> true); // flushers found the queue empty and sleep
        for (long k = 0; k < 3000; k++) {
            c.get((int) (k % 3)).put(k, new Item("v", k));
        }
        assertThat(rows("wb_close")).hasSizeLessThan(3000);
        c.forEach(TieredCache::close);
        Map<Long, Item> rows = rows("wb_close");
        assertThat(rows).hasSize(3000);
        for (long k = 0; k < 3000; k++) {
            assertThat(rows.get(k)).isEqualTo(new Item("v", k));
        }
    }

    @Test
    @Order(2)
    void postgresStoppedForTenSeconds_putsStayAcknowledged_queueGrows_thenDrainsWithNothingLost() throws Exception {
        List<TieredCache<Long, Item>> c = writeBehindOnEveryMember(
                "wb_outage",
                WriteStrategy.writeBehind()
                        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                        .withMaxAttempts(3));
        Map<Long, Long> expected = new HashMap<>();
        long revision = 0;
        for (long k = 0; k < 500; k++) {
            c.get((int) (k % 3)).put(k, new Item("before", ++revision));
            expected.put(k, revision);
        }
        await().until(() -> depth(c.get(0)) == 0);

        pg.stop();
        long outageEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long maxDepth = 0;
        long k = 0;
        while (System.nanoTime() < outageEnds) {
            long key = k++ % 2000;
            c.get((int) (key % 3)).put(key, new Item("during", ++revision)); // acknowledged, or it would throw
            expected.put(key, revision);
            if (k % 200 == 0) {
                maxDepth = Math.max(maxDepth, (long) registries
                        .get(0)
                        .get("strata.cache.writebehind.depth")
                        .gauge()
                        .value());
            }
        }
        assertThat(maxDepth).isGreaterThan(1000); // the queue grew (as its gauge shows): nothing reached the database
        pg.start();

        await().atMost(Duration.ofSeconds(60)).until(() -> depth(c.get(0)) == 0);
        Map<Long, Item> rows = rows("wb_outage");
        assertThat(rows).hasSize(expected.size());
        expected.forEach((key, rev) ->
                assertThat(rows.get(key).revision()).as("key %d", key).isEqualTo(rev));
        double dead = registries.stream()
                .mapToDouble(r -> r.find("strata.cache.writebehind.deadletters").counters().stream()
                        .mapToDouble(x -> x.count())
                        .sum())
                .sum();
        assertThat(dead).isZero(); // an unreachable database never turns writes into dead letters
    }

    @Test
    @Order(3)
    void hundredThousandPutsFromEightThreadsAcrossThreeMembers_oneMemberTerminatedMidFlush_nothingLost()
            throws Exception {
        List<TieredCache<Long, Item>> c = writeBehindOnEveryMember("wb_crash", WriteStrategy.writeBehind());
        int threads = 8;
        int putsPerThread = 100_000 / threads;
        long keysPerThread = 2_500; // 20,000 keys, so puts coalesce
        Map<Long, Long> expected = new ConcurrentHashMap<>();
        AtomicLong acknowledged = new AtomicLong();
        AtomicInteger failovers = new AtomicInteger();
        boolean[] dead = new boolean[3];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            work.add(pool.submit(() -> {
                int member = thread % 3;
                for (int i = 0; i < putsPerThread; i++) {
                    long key = thread + threads * (i % keysPerThread); // each key belongs to one thread
                    long revision = i + 1;
                    while (true) {
                        try {
                            c.get(member).put(key, new Item("r" + revision, revision));
                            break;
                        } catch (RuntimeException e) {
                            failovers.incrementAndGet(); // this member is gone: not acknowledged, retry elsewhere
                            do {
                                member = (member + 1) % 3;
                            } while (dead[member]);
                        }
                    }
                    expected.put(key, revision);
                    acknowledged.incrementAndGet();
                }
                return null;
            }));
        }
        // terminate member 3 while it flushes
        await().atMost(Duration.ofSeconds(60))
                .until(() -> acknowledged.get() > 40_000
                        && registries
                                        .get(2)
                                        .find("strata.cache.writebehind.flushed")
                                        .counter()
                                != null
                        && registries
                                        .get(2)
                                        .get("strata.cache.writebehind.flushed")
                                        .counter()
                                        .count()
                                > 0);
        dead[2] = true;
        members.member(2).getLifecycleService().terminate();
        for (Future<?> f : work) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();
        assertThat(acknowledged.get()).isEqualTo(100_000);

        await().atMost(Duration.ofMinutes(2)).until(() -> depth(c.get(0)) == 0);
        Map<Long, Item> rows = rows("wb_crash");
        assertThat(rows).hasSize(expected.size());
        List<Long> wrong = new ArrayList<>();
        expected.forEach((key, rev) -> {
            if (rows.get(key) == null || rows.get(key).revision() != rev) {
                wrong.add(key);
            }
        });
        assertThat(wrong)
                .as("keys whose latest acknowledged value is not in PostgreSQL")
                .isEmpty();
    }
}
