package io.strata.cache.internal.redis;

import io.strata.cache.internal.LoadLease;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/** Leases as Redis keys: {@code SET NX PX} takes one, a compare-and-delete script gives it back. */
final class RedisLoadLease implements LoadLease {

    private static final String RELEASE =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

    private final UnifiedJedis jedis;
    private final String prefix;
    private final String holder = UUID.randomUUID().toString();

    RedisLoadLease(UnifiedJedis jedis, String prefix) {
        this.jedis = jedis;
        this.prefix = prefix;
    }

    @Override
    public boolean tryAcquire(String name, Duration holdTime) {
        return jedis.set(prefix + name, holder, SetParams.setParams().nx().px(Math.max(1, holdTime.toMillis())))
                != null;
    }

    @Override
    public void release(String name) {
        jedis.eval(RELEASE, List.of(prefix + name), List.of(holder));
    }
}
