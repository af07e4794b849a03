package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.TierStore;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithPgTopology;
import io.strata.testkit.WithRedis;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/**
 * Issue 12, item 4: thread A misses and reads the old row; the row is updated and the key
 * invalidated ({@code invalidate()}, or a trigger's NOTIFY); then A's load finishes. Before the fix
 * A's load installed the old value, served until the TTL (431 of 431 reads stale, 473 of 473 with
 * NOTIFY). After the invalidation has returned (been applied), every read must see the new row, and
 * no tier may hold the old value.
 */
@WithRedis
@WithPgTopology(shards = 1, replicasPerShard = 0)
class InvalidationRacingASlowLoadTest {

    private static final int KEYS = 3_000;
    private static final int BATCH = 100;
    private static final long SENTINEL = -1L;

    private static PgServer pg;
    private static HikariDataSource db;
    private static HazelcastMembers members;
    private static JedisPooled jedis;
    private final ExecutorService readers = Executors.newFixedThreadPool(BATCH);

    @BeforeAll
    static void start(PgTopology topology, RedisNode redis) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 16);
        members = HazelcastMembers.start(1);
        jedis = new JedisPooled(redis.host(), redis.port());
    }

    @AfterAll
    static void stop() {
        jedis.close();
        members.close();
        db.close();
    }

    @AfterEach
    void stopReaders() {
        readers.shutdownNow();
    }

    /** A real store whose loads of armed keys stop after reading the row until released: the slow load. */
    private static final class SlowLoads implements Store<Long, Item> {
        private final Store<Long, Item> rows;
        private final Map<Long, CountDownLatch[]> armed = new ConcurrentHashMap<>(); // {read, release}

        SlowLoads(Store<Long, Item> rows) {
            this.rows = rows;
        }

        CountDownLatch[] arm(long key) {
            CountDownLatch[] latches = {new CountDownLatch(1), new CountDownLatch(1)};
            armed.put(key, latches);
            return latches;
        }

        @Override
        public Item load(Long key) {
            Item row = rows.load(key);
            CountDownLatch[] latches = armed.remove(key);
            if (latches != null) {
                latches[0].countDown();
                try {
                    latches[1].await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return row;
        }

        @Override
        public void write(Long key, Item value, long version) {
            rows.write(key, value, version);
        }

        @Override
        public void delete(Long key) {
            rows.delete(key);
        }
    }

    private SlowLoads table(String table, boolean notify) {
        Databases.table(pg, table);
        if (notify) {
            pg.execute("CREATE OR REPLACE FUNCTION " + table + "_changed() RETURNS trigger AS $$ "
                    + "BEGIN PERFORM pg_notify('" + table + "_changes', NEW.id::text); RETURN NEW; END $$ "
                    + "LANGUAGE plpgsql");
            pg.execute("CREATE TRIGGER " + table + "_trg AFTER UPDATE ON " + table + " FOR EACH ROW EXECUTE FUNCTION "
                    + table + "_changed()");
        }
        pg.execute("INSERT INTO " + table + " (id, value, version) SELECT g, jsonb_build_object('name', 'old', "
                + "'revision', g), 1 FROM generate_series(-1, " + (KEYS - 1) + ") g");
        return new SlowLoads(
                JdbcStore.builder(db, table, Long.class, Item.class).build());
    }

    private static TieredCache<Long, Item> cache(String name, SlowLoads store, boolean notify) {
        HazelcastInstance hz = members.member(0);
        TieredCacheBuilder<Long, Item> b = TieredCache.builder(name, Long.class, Item.class)
                .tier(LocalTier.builder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofHours(1))
                        .build())
                .tier(HazelcastTier.of(hz))
                .tier(RedisTier.of(jedis))
                .coordination(HazelcastCoordination.of(hz))
                .store(store)
                .expireAfterWrite(Duration.ofHours(1));
        if (notify) {
            b.invalidateOnNotify(db, name + "_changes");
        }
        return b.build();
    }

    private static void updateRows(String table, long from, long to) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE " + table
                        + " SET value = jsonb_build_object('name', 'new', 'revision', id), version = 2"
                        + " WHERE id >= ? AND id < ?")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            ps.executeUpdate();
        }
    }

    /**
     * For each batch of keys: slow loads read the old rows; the rows are updated and invalidated
     * ({@code invalidation}); the loads finish; then every read and every tier is checked. The
     * number of stale reads (and tier entries holding the old value).
     */
    private int staleReadsAfterInvalidation(
            TieredCache<Long, Item> cache, SlowLoads store, String table, Invalidation invalidation) throws Exception {
        List<TierStore<Long, Item>> tiers = ((DefaultTieredCache<Long, Item>) cache).tiers();
        int stale = 0;
        for (long from = 0; from < KEYS; from += BATCH) {
            long to = from + BATCH;
            List<CountDownLatch[]> latches = new ArrayList<>();
            List<Future<Item>> slow = new ArrayList<>();
            for (long k = from; k < to; k++) {
                long key = k;
                latches.add(store.arm(key));
                slow.add(readers.submit(() -> cache.get(key)));
            }
            for (CountDownLatch[] l : latches) {
                assertThat(l[0].await(30, TimeUnit.SECONDS)).isTrue(); // the old row is read
            }
            updateRows(table, from, to);
            invalidation.run(cache, from, to);
            latches.forEach(l -> l[1].countDown());
            for (Future<Item> f : slow) {
                f.get(30, TimeUnit.SECONDS);
            }
            for (long k = from; k < to; k++) {
                for (TierStore<Long, Item> tier : tiers) {
                    Entry<Item> e = tier.get(k);
                    if (e != null && e.value().name().equals("old")) {
                        stale++;
                    }
                }
                if (cache.get(k).name().equals("old")) {
                    stale++;
                }
                if (cache.get(k).name().equals("old")) { // now from L1
                    stale++;
                }
            }
        }
        return stale;
    }

    private interface Invalidation {
        void run(TieredCache<Long, Item> cache, long from, long to) throws Exception;
    }

    @Test
    void invalidate_racingASlowLoad_leavesNoStaleRead() throws Exception {
        SlowLoads store = table("slowload_direct", false);
        try (TieredCache<Long, Item> cache = cache("slowload_direct", store, false)) {
            int stale = staleReadsAfterInvalidation(cache, store, "slowload_direct", (c, from, to) -> {
                for (long k = from; k < to; k++) {
                    c.invalidate(k);
                }
            });
            assertThat(stale).isZero();
        }
    }

    @Test
    void notifyInvalidation_racingASlowLoad_leavesNoStaleRead() throws Exception {
        SlowLoads store = table("slowload_notify", true);
        try (TieredCache<Long, Item> cache = cache("slowload_notify", store, true)) {
            TierStore<Long, Item> l1 =
                    ((DefaultTieredCache<Long, Item>) cache).tiers().get(0);
            await().pollDelay(Duration.ofMillis(300)).until(() -> true); // LISTEN is in place
            int stale = staleReadsAfterInvalidation(cache, store, "slowload_notify", (c, from, to) -> {
                // notifications arrive in commit order: once the sentinel's is applied, the batch's are
                await().atMost(Duration.ofSeconds(30)).until(() -> c.get(SENTINEL) != null && l1.get(SENTINEL) != null);
                pg.execute("UPDATE slowload_notify SET version = version + 1 WHERE id = " + SENTINEL);
                await().atMost(Duration.ofSeconds(30)).until(() -> l1.get(SENTINEL) == null);
            });
            assertThat(stale).isZero();
        }
    }
}
