package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.WriteBehindQueue;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/**
 * Issue 12, defect 3 (the queues' part): the Hazelcast queue's {@code IMap.set} overwrote a queued
 * entry unconditionally, so of two puts of one key the older could stay queued and be flushed
 * instead of the newer one (3 rows of 3,000 in the run). Two threads enqueue 3,000 keys
 * at once, one with the lower and one with the higher version of each key, while the store is
 * unreachable; then every key's queued entry and, after the flush, its row must carry the higher.
 */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class WriteBehindSameKeyRaceTest {

    private static final int KEYS = 3_000;
    private static final long BASE = 1_000_000L;

    private static HikariDataSource db;
    private static PgServer pg;

    @BeforeAll
    static void start(PgTopology topology) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 4);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static WriteStrategy strategy() {
        return WriteStrategy.writeBehind()
                .withPartitions(4)
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(300))
                .withCloseTimeout(Duration.ofSeconds(10));
    }

    private static Entry<Item> entry(String name, long version) {
        long now = System.currentTimeMillis();
        return new Entry<>(new Item(name, version), version, now, now + 600_000, now + 600_000);
    }

    private static long low(long k) {
        return BASE + 2 * k;
    }

    private static long high(long k) {
        return BASE + 2 * k + 1;
    }

    private static Map<Long, Long> rowVersions(String table) throws Exception {
        Map<Long, Long> rows = new HashMap<>();
        try (Connection c = db.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, version FROM " + table)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return rows;
    }

    /** Races the two writers; returns {queued entries below the higher version, rows below it}. */
    private static long[] race(TieredCache<Long, Item> cache, PausableStore<Long, Item> store, String table)
            throws Exception {
        WriteBehindQueue<Long, Item> queue = ((DefaultTieredCache<Long, Item>) cache).writeBehindQueue();
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<Void> lower = CompletableFuture.runAsync(() -> {
            awaitLatch(go);
            for (long k = 0; k < KEYS; k++) {
                queue.enqueue(k, entry("low", low(k)));
            }
        });
        CompletableFuture<Void> higher = CompletableFuture.runAsync(() -> {
            awaitLatch(go);
            for (long k = 0; k < KEYS; k++) {
                queue.enqueue(k, entry("high", high(k)));
            }
        });
        go.countDown();
        CompletableFuture.allOf(lower, higher).join();
        for (long k = 0; k < 100; k++) { // and a late, older put of a key already queued newer
            queue.enqueue(k, entry("late", low(k)));
        }
        long queuedLower = 0;
        for (long k = 0; k < KEYS; k++) {
            if (queue.pending(k).version() != high(k)) {
                queuedLower++;
            }
        }
        store.resume();
        await().atMost(Duration.ofSeconds(90)).until(() -> queue.depth() == 0);
        Map<Long, Long> rows = rowVersions(table);
        long rowsLower = 0;
        for (long k = 0; k < KEYS; k++) {
            if (rows.get(k) == null || rows.get(k) != high(k)) {
                rowsLower++;
            }
        }
        return new long[] {queuedLower, rowsLower};
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void hazelcastQueue_twoThreadsPutTheSameKeys_theHigherVersionStaysQueuedAndIsFlushed() throws Exception {
        String table = "wb_race_hz";
        Databases.table(pg, table);
        PausableStore<Long, Item> store = new PausableStore<>(
                JdbcStore.builder(db, table, Long.class, Item.class).build());
        store.pause();
        try (HazelcastMembers members = HazelcastMembers.start(2);
                TieredCache<Long, Item> a = TieredCache.builder(table, Long.class, Item.class)
                        .tier(LocalTier.builder().build())
                        .coordination(HazelcastCoordination.of(members.member(0)))
                        .store(store)
                        .writeStrategy(strategy())
                        .build();
                TieredCache<Long, Item> b = TieredCache.builder(table, Long.class, Item.class)
                        .tier(LocalTier.builder().build())
                        .coordination(HazelcastCoordination.of(members.member(1)))
                        .store(store)
                        .writeStrategy(strategy())
                        .build()) {
            long[] lower = race(a, store, table);
            System.out.printf("same-key race, Hazelcast queue: %d queued lower, %d rows lower%n", lower[0], lower[1]);
            assertThat(lower).containsExactly(0, 0);
        }
    }

    @Test
    void redisQueue_twoThreadsPutTheSameKeys_theHigherVersionStaysQueuedAndIsFlushed() throws Exception {
        String table = "wb_race_redis";
        Databases.table(pg, table);
        PausableStore<Long, Item> store = new PausableStore<>(
                JdbcStore.builder(db, table, Long.class, Item.class).build());
        store.pause();
        try (RedisNode redis = RedisNode.builder()
                        .appendOnly(RedisNode.AppendFsync.ALWAYS)
                        .start();
                JedisPooled jedis = new JedisPooled(redis.host(), redis.port());
                TieredCache<Long, Item> a = TieredCache.builder(table, Long.class, Item.class)
                        .tier(LocalTier.builder().build())
                        .coordination(RedisCoordination.of(jedis))
                        .store(store)
                        .writeStrategy(strategy())
                        .build()) {
            long[] lower = race(a, store, table);
            System.out.printf("same-key race, Redis queue: %d queued lower, %d rows lower%n", lower[0], lower[1]);
            assertThat(lower).containsExactly(0, 0);
        }
    }
}
