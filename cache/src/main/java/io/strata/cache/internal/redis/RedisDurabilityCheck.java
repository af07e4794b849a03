package io.strata.cache.internal.redis;

import io.strata.cache.RedisCoordination;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Whether the Redis behind a write-behind queue keeps what it acknowledges: reads
 * {@code appendonly} and {@code appendfsync} ({@code CONFIG GET}) on the node of every stream
 * partition (in a cluster, each partition's master) and compares them with the required
 * {@link RedisCoordination.Durability}. Redis 6.2 has no {@code WAITAOF}, so configuration is what
 * can be checked.
 *
 * <p>Concurrency: {@link #run()} is synchronized; the results are volatile, read by putting threads.
 */
final class RedisDurabilityCheck {

    private final UnifiedJedis jedis;
    private final RedisCoordination.Durability durability;
    private final String cacheName;
    private final List<byte[]> sampleKeys;
    private volatile @Nullable String problem;
    private volatile boolean unverified;
    private volatile long lastRunNanos;

    /** A check for cache {@code cacheName}, asking the nodes that hold {@code sampleKeys}. */
    RedisDurabilityCheck(
            UnifiedJedis jedis, RedisCoordination.Durability durability, String cacheName, List<String> sampleKeys) {
        this.jedis = jedis;
        this.durability = durability;
        this.cacheName = cacheName;
        this.sampleKeys =
                sampleKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Why Redis cannot be trusted with an acknowledged entry now, or {@code null}. */
    @Nullable
    String problem() {
        return problem;
    }

    /** Whether {@link #problem()} is only that Redis could not be asked (it was down). */
    boolean unverified() {
        return unverified;
    }

    /** {@link System#nanoTime()} of the last {@link #run()}. */
    long lastRunNanos() {
        return lastRunNanos;
    }

    /** Asks Redis again and updates {@link #problem()}. */
    synchronized void run() {
        lastRunNanos = System.nanoTime();
        if (durability == RedisCoordination.Durability.UNCHECKED) {
            unverified = false;
            problem = null;
            return;
        }
        boolean everysec = durability == RedisCoordination.Durability.FSYNC_EVERYSEC;
        String optOut = " Run Redis with appendonly yes and appendfsync always" + (everysec ? " (or everysec)" : "")
                + ", or opt out with RedisCoordination.of(jedis).writeBehindDurability(Durability.UNCHECKED)"
                + " (a Redis restart may then lose acknowledged writes).";
        String prefix = "cache " + cacheName + ": Redis write-behind refused: ";
        try {
            for (byte[] sample : sampleKeys) {
                String appendonly = config(sample, "appendonly");
                String appendfsync = config(sample, "appendfsync");
                if (!"yes".equalsIgnoreCase(appendonly)) {
                    set(
                            prefix + "appendonly is '" + appendonly
                                    + "': without the AOF a Redis restart loses every queued entry." + optOut,
                            false);
                    return;
                }
                boolean ok = "always".equalsIgnoreCase(appendfsync)
                        || (everysec && "everysec".equalsIgnoreCase(appendfsync));
                if (!ok) {
                    set(
                            prefix + "appendfsync is '" + appendfsync + "', required "
                                    + (everysec ? "'everysec' or " : "")
                                    + "'always': acknowledged entries may not be on disk yet." + optOut,
                            false);
                    return;
                }
            }
            set(null, false);
        } catch (JedisConnectionException e) {
            set(
                    "cache " + cacheName + ": Redis could not be asked for appendonly/appendfsync (" + e.getMessage()
                            + "); write-behind puts are refused until it answers",
                    true);
        } catch (RuntimeException e) {
            set(
                    prefix + "cannot read appendonly/appendfsync with CONFIG GET (" + e.getMessage() + ")." + optOut,
                    false);
        }
    }

    private void set(@Nullable String problem, boolean unverified) {
        this.unverified = unverified;
        this.problem = problem;
    }

    private String config(byte[] sampleKey, String name) {
        Object reply = jedis.sendCommand(
                sampleKey,
                Protocol.Command.CONFIG,
                "GET".getBytes(StandardCharsets.UTF_8),
                name.getBytes(StandardCharsets.UTF_8));
        if (reply instanceof List<?> list && list.size() >= 2) {
            return text(list.get(1));
        }
        if (reply instanceof Map<?, ?> map && !map.isEmpty()) {
            return text(map.values().iterator().next());
        }
        throw new IllegalStateException("no value for " + name + " (reply " + reply + ")");
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
