package io.strata.cache.internal.redis;

import io.strata.cache.CacheException;
import io.strata.cache.RedisCoordination;
import io.strata.cache.WriteStrategy;
import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.Coordinator;
import io.strata.cache.internal.InvalidationTransport;
import io.strata.cache.internal.LoadLease;
import io.strata.cache.internal.StoreBatchWriter;
import io.strata.cache.internal.WriteBehindQueue;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.UnifiedJedis;

/** Coordination over Redis: pub/sub, {@code SET NX} leases and streams. */
public final class RedisCoordinator<K, V> implements Coordinator<K, V> {

    private final CoordinationContext<K, V> context;
    private final UnifiedJedis jedis;
    private final RedisDurabilityCheck durability;
    private @Nullable RedisInvalidationTransport transport;
    private @Nullable RedisLoadLease lease;

    public RedisCoordinator(
            CoordinationContext<K, V> context, UnifiedJedis jedis, RedisCoordination.Durability durability) {
        this.context = context;
        this.jedis = jedis;
        this.durability = new RedisDurabilityCheck(
                jedis,
                durability,
                context.cacheName(),
                RedisStreamWriteBehindQueue.sampleKeys(
                        context.cacheName(), context.config().writeStrategy().partitions()));
        if (context.config().writeStrategy().kind() == WriteStrategy.Kind.WRITE_BEHIND) {
            // before the cache starts anything: a Redis that can lose acknowledged entries fails the build
            this.durability.run();
            if (this.durability.problem() != null && !this.durability.unverified()) {
                throw new CacheException(this.durability.problem());
            }
        }
    }

    @Override
    public synchronized InvalidationTransport invalidationTransport() {
        if (transport == null) {
            transport = new RedisInvalidationTransport(jedis, "strata:inval:" + context.cacheName());
        }
        return transport;
    }

    @Override
    public synchronized LoadLease lease() {
        if (lease == null) {
            lease = new RedisLoadLease(jedis, "strata:lease:" + context.cacheName() + ":");
        }
        return lease;
    }

    @Override
    public WriteBehindQueue<K, V> openWriteBehind(StoreBatchWriter<K, V> writer) {
        return new RedisStreamWriteBehindQueue<>(context, jedis, writer, durability);
    }

    @Override
    public void close() {}
}
