package io.strata.cache;

import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.Coordinator;
import io.strata.cache.internal.redis.RedisCoordinator;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;

/**
 * Coordination over Redis: invalidations on a pub/sub channel, load leases with
 * {@code SET NX PX}, and write-behind in Redis Streams (one stream per partition, a consumer group,
 * one owner per partition by lease).
 *
 * <p>A write-behind put is acknowledged once Redis holds it, so Redis must not lose what it holds:
 * building a write-behind cache checks ({@code CONFIG GET}) that the Redis node of every partition
 * runs with {@code appendonly yes} and {@code appendfsync always}, and fails with a
 * {@link CacheException} naming the setting otherwise. The check is repeated every few seconds and
 * after a reconnect; while it fails, write-behind puts are refused (not acknowledged). Choose
 * {@link Durability#FSYNC_EVERYSEC} to accept {@code appendfsync everysec}, or
 * {@link Durability#UNCHECKED} to opt out (a Redis restart may then lose acknowledged writes).
 */
public final class RedisCoordination extends Coordination {

    /** What the Redis behind a write-behind queue must guarantee before a put is acknowledged. */
    public enum Durability {
        /**
         * {@code appendonly yes} and {@code appendfsync always} (the default): an acknowledged entry
         * is on disk, it survives {@code kill -9} of redis-server and a crash of its host.
         */
        FSYNC_ALWAYS,
        /**
         * {@code appendonly yes} and {@code appendfsync everysec} or {@code always}: an acknowledged
         * entry has been written to the AOF file, so it survives {@code kill -9} of redis-server, but a
         * crash of its host may lose about the last second.
         */
        FSYNC_EVERYSEC,
        /** No check: the user vouches for Redis's persistence (or accepts losing queued writes). */
        UNCHECKED
    }

    private final UnifiedJedis jedis;
    private final Durability durability;

    private RedisCoordination(UnifiedJedis jedis, Durability durability) {
        this.jedis = jedis;
        this.durability = durability;
    }

    /** Coordination over {@code jedis} (owned and closed by the caller), write-behind needing {@link Durability#FSYNC_ALWAYS}. */
    public static RedisCoordination of(UnifiedJedis jedis) {
        return new RedisCoordination(Objects.requireNonNull(jedis, "jedis cannot be null"), Durability.FSYNC_ALWAYS);
    }

    /** The same coordination, with write-behind requiring {@code durability} of Redis. */
    public RedisCoordination writeBehindDurability(Durability durability) {
        return new RedisCoordination(jedis, Objects.requireNonNull(durability, "durability cannot be null"));
    }

    @Override
    <K, V> Coordinator<K, V> open(CoordinationContext<K, V> context) {
        return new RedisCoordinator<>(context, jedis, durability);
    }
}
