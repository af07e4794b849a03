package io.strata.cache.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.Item;
import io.strata.cache.LocalTier;
import io.strata.cache.RedisCoordination;
import io.strata.cache.RedisTier;
import io.strata.cache.TieredCache;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithRedis;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/**
 * Two members (two tiered caches with Caffeine L1 over one real Redis, coordinated through it),
 * each with its own proxy and its own counting implementation: what one member's proxy loads,
 * puts or evicts, the other member's proxy sees.
 */
@WithRedis
class RedisCachedTest {

    interface Catalog {
        @Cached(cache = "catalog")
        Item find(long id);

        @CachePut(cache = "catalog", key = "id")
        Item rename(long id, String name);

        @CacheEvict(cache = "catalog")
        void forget(long id);
    }

    static final class CountingCatalog implements Catalog {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Item find(long id) {
            return new Item("item-" + id, calls.incrementAndGet());
        }

        @Override
        public Item rename(long id, String name) {
            return new Item(name, calls.incrementAndGet());
        }

        @Override
        public void forget(long id) {}
    }

    private final RedisNode redis;
    private JedisPooled jedisA;
    private JedisPooled jedisB;
    private TieredCache<Long, Item> cacheA;
    private TieredCache<Long, Item> cacheB;
    private CachingProxyFactory factoryA;
    private CachingProxyFactory factoryB;

    RedisCachedTest(RedisNode redis) {
        this.redis = redis;
    }

    private TieredCache<Long, Item> member(JedisPooled jedis) {
        return TieredCache.builder("catalog", Long.class, Item.class)
                .tier(LocalTier.builder().build())
                .tier(RedisTier.of(jedis))
                .coordination(RedisCoordination.of(jedis))
                .build();
    }

    @BeforeEach
    void start() {
        jedisA = new JedisPooled(redis.host(), redis.port());
        jedisB = new JedisPooled(redis.host(), redis.port());
        jedisA.flushAll();
        cacheA = member(jedisA);
        cacheB = member(jedisB);
        factoryA = CachingProxyFactory.builder().cache(cacheA).build();
        factoryB = CachingProxyFactory.builder().cache(cacheB).build();
    }

    @AfterEach
    void stop() {
        cacheA.close();
        cacheB.close();
        jedisA.close();
        jedisB.close();
    }

    @Test
    void aValueLoadedOnOneMember_isAHitOnTheOther_throughRedis() {
        CountingCatalog targetA = new CountingCatalog();
        CountingCatalog targetB = new CountingCatalog();
        Catalog a = factoryA.proxy(Catalog.class, targetA);
        Catalog b = factoryB.proxy(Catalog.class, targetB);

        assertThat(a.find(1)).isEqualTo(new Item("item-1", 1));
        assertThat(jedisA.exists("strata:catalog:1")).isTrue();
        assertThat(b.find(1)).isEqualTo(new Item("item-1", 1));
        assertThat(targetB.calls).hasValue(0);

        assertThat(b.rename(1, "renamed")).isEqualTo(new Item("renamed", 1));
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(a.find(1)).isEqualTo(new Item("renamed", 1)));
        assertThat(targetA.calls).hasValue(1);

        a.forget(1);
        assertThat(jedisA.exists("strata:catalog:1")).isFalse();
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(b.find(1)).isEqualTo(new Item("item-1", 2));
        });
        assertThat(targetA.calls).hasValue(1);
    }
}
