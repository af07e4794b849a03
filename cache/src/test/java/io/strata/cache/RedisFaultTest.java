package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.EntryCodec;
import io.strata.cache.internal.GuardedTier;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithPgTopology;
import io.strata.testkit.WithRedis;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/** Redis as L3 over real PostgreSQL, with Redis killed, paused and fed garbage. */
@WithRedis
@WithPgTopology(shards = 1, replicasPerShard = 0)
class RedisFaultTest {

    private static HikariDataSource db;
    private static PgServer pg;
    private static RedisNode redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private SimpleMeterRegistry registry;

    @BeforeAll
    static void start(PgTopology topology, RedisNode node) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 8);
        redis = node;
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private JedisPooled jedis(int port) {
        JedisPooled j = new JedisPooled(
                new HostAndPort("127.0.0.1", port),
                DefaultJedisClientConfig.builder()
                        .socketTimeoutMillis(300)
                        .connectionTimeoutMillis(300)
                        .build());
        closeables.add(j);
        return j;
    }

    private JdbcStore<Long, Item> table(String name, int rows) {
        Databases.table(pg, name);
        JdbcStore<Long, Item> store =
                JdbcStore.builder(db, name, Long.class, Item.class).build();
        for (long k = 0; k < rows; k++) {
            store.write(k, new Item("r", 1), 1);
        }
        return store;
    }

    private TieredCache<Long, Item> cache(
            String name, JedisPooled jedis, Store<Long, Item> store, Duration l1Ttl, WriteStrategy strategy) {
        registry = new SimpleMeterRegistry();
        TieredCache<Long, Item> cache = TieredCache.builder(name, Long.class, Item.class)
                .tier(LocalTier.builder().expireAfterWrite(l1Ttl).build())
                .tier(RedisTier.of(jedis))
                .store(store)
                .writeStrategy(strategy)
                .meterRegistry(registry)
                .build();
        closeables.add(cache);
        return cache;
    }

    private double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void garbageBytesInRedis_areAMiss_evicted_andCounted_neverAnException() {
        JedisPooled jedis = jedis(redis.port());
        TieredCache<Long, Item> cache =
                cache("garbage", jedis, table("garbage", 3), Duration.ofMinutes(1), WriteStrategy.cacheAside());
        jedis.set("strata:garbage:1".getBytes(), new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef});
        jedis.set("strata:garbage:2", "{\"@class\":\"java.lang.Runtime\"}");

        assertThat(cache.get(1L)).isEqualTo(new Item("r", 1));
        assertThat(cache.get(2L)).isEqualTo(new Item("r", 1));
        assertThat(count("strata.cache.decode.failures", "tier", "redis")).isEqualTo(2);
        // the bad bytes are gone: what Redis holds now decodes
        EntryCodec<Item> codec = new EntryCodec<>(Codec.json(Item.class));
        assertThat(codec.decode(jedis.get("strata:garbage:1".getBytes())).value())
                .isEqualTo(new Item("r", 1));
    }

    @Test
    void startUp_withRedisDown_works_andReadsComeFromTheDatabase() throws IOException {
        int nobody;
        try (ServerSocket s = new ServerSocket(0)) {
            nobody = s.getLocalPort();
        }
        TieredCache<Long, Item> cache =
                cache("down", jedis(nobody), table("down", 2), Duration.ofMinutes(1), WriteStrategy.writeThrough());
        assertThat(cache.get(1L)).isEqualTo(new Item("r", 1));
        cache.put(1L, new Item("w", 2));
        cache.invalidate(1L);
        assertThat(cache.get(1L)).isEqualTo(new Item("w", 2));
        assertThat(count("strata.cache.gets", "tier", "redis", "result", "error")
                        + count("strata.cache.gets", "tier", "redis", "result", "skipped"))
                .isGreaterThan(0);
    }

    @Test
    void redisKilledUnderLoad_readsKeepSucceeding_theTierComesBack_andNoOlderValueSurvives() throws Exception {
        JedisPooled jedis = jedis(redis.port());
        JdbcStore<Long, Item> store = table("killed", 200);
        // a short L1 so that reads keep going to Redis and the database
        TieredCache<Long, Item> cache =
                cache("killed", jedis, store, Duration.ofMillis(50), WriteStrategy.writeThrough());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ConcurrentHashMap<Long, Long> lastWritten = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            threads.add(new Thread(() -> {
                while (running.get()) {
                    try {
                        Item v = cache.get(ThreadLocalRandom.current().nextLong(200));
                        if (v == null) {
                            throw new AssertionError("a row that exists read as absent");
                        }
                        reads.incrementAndGet();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }));
        }
        threads.add(new Thread(() -> {
            long revision = 1;
            while (running.get()) {
                long key = ThreadLocalRandom.current().nextLong(200);
                revision++;
                try {
                    cache.put(key, new Item("w", revision));
                    lastWritten.merge(key, revision, Math::max);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }
        }));
        threads.forEach(Thread::start);
        try {
            await().until(() -> reads.get() > 2_000);
            redis.kill();
            long readsAtKill = reads.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.get() > readsAtKill + 2_000);
            assertThat(failure.get())
                    .as("a read or write failed while Redis was down")
                    .isNull();
            redis.startAgain();
            double hitsAtRestart = count("strata.cache.gets", "tier", "redis", "result", "hit");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> count("strata.cache.gets", "tier", "redis", "result", "hit") > hitsAtRestart + 100);
        } finally {
            running.set(false);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
        assertThat(failure.get()).isNull();
        GuardedTier<?, ?> redisTier = (GuardedTier<?, ?>)
                ((DefaultTieredCache<Long, Item>) cache).tiers().get(1);
        assertThat(redisTier.breaker().getState().name()).isEqualTo("CLOSED");

        // versions: whatever Redis holds for a key is not older than the database's row
        await().until(() -> !redisTier.inDebt());
        EntryCodec<Item> codec = new EntryCodec<>(Codec.json(Item.class));
        for (long k = 0; k < 200; k++) {
            byte[] raw = jedis.get(("strata:killed:" + k).getBytes());
            Item inDb = store.load(k);
            if (raw != null) {
                Entry<Item> inRedis = codec.decode(raw);
                assertThat(inRedis.value().revision()).as("key %d", k).isGreaterThanOrEqualTo(inDb.revision());
            }
            assertThat(cache.get(k)).isEqualTo(inDb);
        }
    }

    @Test
    void writesMissedWhileRedisStalled_areDeletedOnceItAnswers_soNoOlderValueSurvives() {
        JedisPooled jedis = jedis(redis.port());
        JdbcStore<Long, Item> store = table("stalled", 1);
        TieredCache<Long, Item> writer =
                cache("stalled", jedis, store, Duration.ofMinutes(10), WriteStrategy.writeThrough());
        writer.put(0L, new Item("v1", 1));
        redis.pause(Duration.ofSeconds(2));
        writer.put(0L, new Item("v2", 2)); // the database has it; Redis timed out and still holds v1
        assertThat(store.load(0L)).isEqualTo(new Item("v2", 2));
        EntryCodec<Item> codec = new EntryCodec<>(Codec.json(Item.class));
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            byte[] raw = jedis.get("strata:stalled:0".getBytes());
            assertThat(raw == null || codec.decode(raw).value().revision() >= 2).isTrue();
        });
    }
}
