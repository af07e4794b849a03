package io.strata.cache.internal.redis;

import io.strata.cache.internal.LoadLease;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import redis.clients.jedis.UnifiedJedis;

/**
 * Leases as Redis keys: {@code SET NX PX} takes one; a load lease is taken and given back by
 * scripts, the release leaving a {@code done:<millis>} marker.
 */
final class RedisLoadLease implements LoadLease {

    /** 1: acquired; 0: held; 2: released at or after ARGV[3]. */
    private static final String ACQUIRE = String.join(
            "\n",
            "local v = redis.call('GET', KEYS[1])",
            "if v and string.sub(v, 1, 5) ~= 'done:' then return 0 end",
            "if v and (tonumber(string.sub(v, 6)) or math.huge) >= tonumber(ARGV[3]) then return 2 end",
            "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])",
            "return 1");

    private static final String RELEASE = String.join(
            "\n",
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end",
            "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])",
            "return 1");

    private final UnifiedJedis jedis;
    private final String prefix;
    private final String holder = UUID.randomUUID().toString();

    RedisLoadLease(UnifiedJedis jedis, String prefix) {
        this.jedis = jedis;
        this.prefix = prefix;
    }

    @Override
    public boolean tryAcquire(String name, Duration holdTime) {
        return jedis.set(prefix + name, holder, SetIfAbsent.expiringAfter(holdTime.toMillis())) != null;
    }

    @Override
    public Outcome tryAcquireAfter(String name, Duration holdTime, long sinceMillis) {
        Object r = jedis.eval(
                ACQUIRE,
                List.of(prefix + name),
                List.of(holder, Long.toString(Math.max(1, holdTime.toMillis())), Long.toString(sinceMillis)));
        long code = ((Number) r).longValue();
        return code == 1 ? Outcome.ACQUIRED : code == 2 ? Outcome.RELEASED_SINCE : Outcome.HELD;
    }

    @Override
    public void release(String name, long nowMillis, Duration markerTime) {
        jedis.eval(
                RELEASE,
                List.of(prefix + name),
                List.of(holder, "done:" + nowMillis, Long.toString(Math.max(1, markerTime.toMillis()))));
    }
}
