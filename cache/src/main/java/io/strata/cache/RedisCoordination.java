package io.strata.cache;

import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.Coordinator;
import io.strata.cache.internal.redis.RedisCoordinator;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;

/**
 * Coordination over Redis: invalidations on a pub/sub channel, load leases with
 * {@code SET NX PX}, and write-behind in Redis Streams (one stream per partition, a consumer group,
 * one owner per partition by lease). Durability is Redis's own: run it with AOF
 * ({@code appendfsync everysec} or {@code always}) and a replica if a lost Redis must not lose
 * acknowledged writes.
 */
public final class RedisCoordination extends Coordination {

    private final UnifiedJedis jedis;

    private RedisCoordination(UnifiedJedis jedis) {
        this.jedis = jedis;
    }

    /** Coordination over {@code jedis} (owned and closed by the caller). */
    public static RedisCoordination of(UnifiedJedis jedis) {
        return new RedisCoordination(Objects.requireNonNull(jedis, "jedis cannot be null"));
    }

    @Override
    <K, V> Coordinator<K, V> open(CoordinationContext<K, V> context) {
        return new RedisCoordinator<>(context, jedis);
    }
}
