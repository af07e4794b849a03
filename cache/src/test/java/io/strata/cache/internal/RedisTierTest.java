package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.Item;
import io.strata.cache.internal.redis.RedisTierStore;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

@WithRedis
class RedisTierTest extends TierContract {

    private static JedisPooled jedis;

    @BeforeAll
    static void connect(RedisNode redis) {
        jedis = new JedisPooled(redis.host(), redis.port());
    }

    @AfterAll
    static void disconnect() {
        jedis.close();
    }

    @Override
    protected TierStore<Long, Item> open(TierContext<Long, Item> context) {
        return new RedisTierStore<>(context, jedis, "strata:" + context.cacheName() + ":");
    }

    @Test
    void invalidateAll_leavesOtherCachesKeysAlone() {
        jedis.set("strata:other:1", "x");
        tier.put(1L, entry("a", 1));
        tier.invalidateAll();
        assertThat(jedis.get("strata:other:1")).isEqualTo("x");
    }
}
