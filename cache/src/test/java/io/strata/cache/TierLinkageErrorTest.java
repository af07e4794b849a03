package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithPgTopology;
import io.strata.testkit.WithRedis;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

/**
 * Issue 16: with Spring Boot 3.5's managed Jedis 6.0.0 (Strata was built against 6.2.0) every
 * {@code @Cacheable} call threw {@code NoSuchMethodError: SetParams.px(long)} and the read itself
 * failed. A tier that fails in any way, a {@code LinkageError} included, must cost hit ratio only:
 * counted in the tier's error meters, never thrown at the caller while the store can answer. Only a
 * VM-fatal error propagates.
 */
@WithRedis
@WithPgTopology(shards = 1, replicasPerShard = 0)
class TierLinkageErrorTest {

    private static HikariDataSource db;
    private static PgServer pg;
    private static RedisNode redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void start(PgTopology topology, RedisNode node) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 4);
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

    private JdbcStore<Long, Item> table(String name, int rows) {
        Databases.table(pg, name);
        JdbcStore<Long, Item> store =
                JdbcStore.builder(db, name, Long.class, Item.class).build();
        for (long k = 0; k < rows; k++) {
            store.write(k, new Item("row", k), 1);
        }
        return store;
    }

    private TieredCache<Long, Item> cache(String name, Tier remote, Store<Long, Item> store, WriteStrategy strategy) {
        TieredCache<Long, Item> cache = TieredCache.builder(name, Long.class, Item.class)
                .tier(LocalTier.builder().maximumSize(2).build()) // tiny: most reads go below L1
                .tier(remote)
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

    /**
     * The Boot case on a real Redis: the Jedis client links for GET but not for SET with parameters,
     * as Jedis 6.0.0 did for Strata's {@code SET NX PX}.
     */
    @Test
    void redisTierWhoseSetThrowsNoSuchMethodError_readsAndWritesStillAnswered() {
        JedisPooled jedis =
                new JedisPooled(
                        new HostAndPort("127.0.0.1", redis.port()),
                        DefaultJedisClientConfig.builder().build()) {
                    @Override
                    public String set(byte[] key, byte[] value, SetParams params) {
                        throw new NoSuchMethodError(
                                "'redis.clients.jedis.params.SetParams redis.clients.jedis.params.SetParams.px(long)'");
                    }
                };
        closeables.add(jedis);
        CountingStore<Long, Item> store = new CountingStore<>(table("linkage_set", 20), () -> {});
        TieredCache<Long, Item> cache = cache("linkage-set", RedisTier.of(jedis), store, WriteStrategy.writeThrough());

        for (int round = 0; round < 3; round++) {
            for (long k = 0; k < 20; k++) {
                assertThat(cache.get(k)).isEqualTo(new Item("row", k));
            }
        }
        assertThat(cache.getAll(List.of(1L, 2L, 3L))).hasSize(3);
        cache.put(5L, new Item("written", 5));
        cache.invalidate(5L);
        assertThat(cache.get(5L)).isEqualTo(new Item("written", 5));

        assertThat(count("strata.cache.tier.write.failures", "tier", "redis")).isGreaterThan(0);
    }

    @Test
    void aTierFailingOnEveryCallWithALinkageError_readsAndWritesGoToTheStore_andTheErrorsAreCounted() {
        CountingStore<Long, Item> store = new CountingStore<>(table("linkage_all", 10), () -> {});
        TieredCache<Long, Item> cache = cache(
                "linkage-all",
                new FailingTier(() -> new NoSuchMethodError("redis.clients.jedis.UnifiedJedis.get([B)[B")),
                store,
                WriteStrategy.writeThrough());

        for (int round = 0; round < 20; round++) { // enough calls to open the circuit, and more behind it
            for (long k = 0; k < 10; k++) {
                assertThat(cache.get(k)).isEqualTo(new Item("row", k));
            }
        }
        assertThat(cache.getAll(Set.of(7L, 8L))).containsOnlyKeys(7L, 8L);
        cache.put(3L, new Item("written", 3));
        cache.invalidate(3L);
        assertThat(cache.get(3L)).isEqualTo(new Item("written", 3));
        cache.invalidateAll();
        assertThat(cache.get(4L)).isEqualTo(new Item("row", 4));

        assertThat(count("strata.cache.gets", "tier", "failing", "result", "error"))
                .isGreaterThan(0);
        assertThat(count("strata.cache.gets", "tier", "failing", "result", "skipped"))
                .as("the breaker opened on the errors")
                .isGreaterThan(0);
        assertThat(count("strata.cache.tier.write.failures", "tier", "failing")).isGreaterThan(0);
    }

    @Test
    void aVmFatalErrorInATier_propagates() {
        TieredCache<Long, Item> cache = cache(
                "fatal",
                new FailingTier(() -> new OutOfMemoryError("simulated: the JVM cannot be trusted after this")),
                table("fatal", 3),
                WriteStrategy.cacheAside());
        assertThatThrownBy(() -> cache.get(1L))
                .isInstanceOf(OutOfMemoryError.class)
                .hasMessageContaining("simulated");
    }

    /**
     * A remote tier whose every call throws what {@code failure} makes: a fault no real server can
     * show (a client library that does not link), hence a stub.
     */
    private static final class FailingTier extends Tier {

        private final Supplier<Throwable> failure;

        FailingTier(Supplier<Throwable> failure) {
            this.failure = failure;
        }

        @Override
        public String name() {
            return "failing";
        }

        @Override
        public boolean remote() {
            return true;
        }

        @Override
        <K, V> TierStore<K, V> open(TierContext<K, V> context) {
            return new TierStore<>() {
                private RuntimeException fail() {
                    Throwable t = failure.get();
                    if (t instanceof Error e) {
                        throw e;
                    }
                    throw new IllegalStateException(t);
                }

                @Override
                public String name() {
                    return "failing";
                }

                @Override
                public boolean remote() {
                    return true;
                }

                @Override
                public Entry<V> get(K key) {
                    throw fail();
                }

                @Override
                public Map<K, Entry<V>> getAll(Collection<K> keys) {
                    throw fail();
                }

                @Override
                public void put(K key, Entry<V> entry) {
                    throw fail();
                }

                @Override
                public void putIfAbsent(K key, Entry<V> entry) {
                    throw fail();
                }

                @Override
                public void invalidate(K key) {
                    throw fail();
                }

                @Override
                public void invalidateAll() {
                    throw fail();
                }
            };
        }
    }
}
