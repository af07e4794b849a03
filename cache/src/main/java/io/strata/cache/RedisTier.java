package io.strata.cache;

import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;
import io.strata.cache.internal.redis.RedisTierStore;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis tier through Jedis: a {@code JedisPooled} (standalone) or a {@code JedisCluster}, owned
 * and closed by the caller. Keys are {@code strata:<cache name>:<encoded key>}. Timeouts are the
 * client's socket and connection timeouts, so set them short (the circuit breaker counts them).
 */
public final class RedisTier extends Tier {

    private final UnifiedJedis jedis;
    private final String keyPrefix;

    private RedisTier(UnifiedJedis jedis, String keyPrefix) {
        this.jedis = jedis;
        this.keyPrefix = keyPrefix;
    }

    /** A tier on {@code jedis}. */
    public static RedisTier of(UnifiedJedis jedis) {
        return new RedisTier(Objects.requireNonNull(jedis, "jedis cannot be null"), "strata:");
    }

    /** The same tier with keys prefixed by {@code keyPrefix} instead of {@code "strata:"}. */
    public RedisTier keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix cannot be null");
        return new RedisTier(jedis, keyPrefix);
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    <K, V> TierStore<K, V> open(TierContext<K, V> context) {
        return new RedisTierStore<>(context, jedis, keyPrefix + context.cacheName() + ":");
    }
}
