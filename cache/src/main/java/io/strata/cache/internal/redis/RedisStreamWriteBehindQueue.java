package io.strata.cache.internal.redis;

import io.strata.cache.CacheException;
import io.strata.cache.internal.CacheMetrics;
import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.CorruptEntryException;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.EntryCodec;
import io.strata.cache.internal.StoreBatchWriter;
import io.strata.cache.internal.WriteBehindQueue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Write-behind in Redis Streams: partition {@code p} of cache {@code c} is the stream
 * {@code strata:wb:{c:p}} with consumer group {@code flushers}, plus a hash
 * {@code strata:wb:{c:p}:latest} of the newest queued entry per key (for reads of not yet flushed
 * writes, and for coalescing) with its version in {@code strata:wb:{c:p}:latestv}. All three are
 * written by one script, which drops an entry older than the one queued for its key (two puts of
 * one key racing leave the newer queued, whatever order they reach Redis in), so a put is
 * acknowledged once Redis holds it.
 *
 * <p>Durability: Redis must keep what it acknowledged. The coordinator runs a
 * {@link RedisDurabilityCheck} before the cache starts (a Redis that does not qualify fails the
 * build, naming the setting); the flusher repeats it every few seconds and after a failed round,
 * and while it fails {@link #enqueue} refuses (does not acknowledge).
 *
 * <p>Ownership: each partition has a lease key {@code strata:wb:{c:p}:owner} ({@code SET NX PX},
 * renewed every round). The owner first claims every pending entry of the group
 * ({@code XAUTOCLAIM} from 0: entries a crashed owner had read but not acknowledged), then reads
 * new ones ({@code XREADGROUP >}), coalesces them per key (the highest version wins), writes the
 * batch to the store, and acknowledges and deletes the entries. A failed write leaves the entries
 * pending, to be claimed again after the backoff.
 */
public final class RedisStreamWriteBehindQueue<K, V> implements WriteBehindQueue<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStreamWriteBehindQueue.class);
    private static final String GROUP = "flushers";
    private static final long OWNER_LEASE_MILLIS = 10_000;
    private static final long DURABILITY_CHECK_MILLIS = 5_000;
    /** Versions travel as 20-digit strings ordered like the signed longs, so Lua compares them as strings. */
    private static final String ENQUEUE = "local cur = redis.call('HGET', KEYS[3], ARGV[1]) "
            + "if cur and cur >= ARGV[3] then return 0 end "
            + "redis.call('XADD', KEYS[1], '*', 'k', ARGV[1], 'e', ARGV[2]) "
            + "redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) "
            + "redis.call('HSET', KEYS[3], ARGV[1], ARGV[3]) return 1";

    private static final String FORGET = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
            + "redis.call('HDEL', KEYS[2], ARGV[1]) return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";
    private static final String RENEW =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
    private static final String RELEASE =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private final CoordinationContext<K, V> context;
    private final UnifiedJedis jedis;
    private final StoreBatchWriter<K, V> writer;
    private final EntryCodec<V> codec;
    private final CacheMetrics metrics;
    private final int partitions;
    private final String me = UUID.randomUUID().toString();
    private final boolean[] owned;
    private final Thread flusher;
    private final java.util.concurrent.Semaphore wake = new java.util.concurrent.Semaphore(0);
    private final RedisDurabilityCheck durability;
    private final long closeTimeoutNanos;
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private volatile long oldestAgeMillis;

    public RedisStreamWriteBehindQueue(
            CoordinationContext<K, V> context,
            UnifiedJedis jedis,
            StoreBatchWriter<K, V> writer,
            RedisDurabilityCheck durability) {
        this.context = context;
        this.jedis = jedis;
        this.writer = writer;
        this.codec = context.entryCodec();
        this.metrics = context.metrics();
        this.partitions = writer.strategy().partitions();
        this.owned = new boolean[partitions];
        this.durability = durability;
        this.closeTimeoutNanos = writer.strategy().closeTimeout().toNanos();
        if (durability.problem() != null && !durability.unverified()) {
            throw new CacheException(durability.problem()); // the coordinator checked first; Redis changed since
        }
        metrics.gauge("strata.cache.writebehind.age", () -> oldestAgeMillis);
        flusher = new Thread(this::flushLoop, "strata-wb-redis-" + context.cacheName());
        flusher.setDaemon(true);
        flusher.start();
    }

    private String stream(int p) {
        return streamName(context.cacheName(), p);
    }

    private String keyString(K key) {
        return new String(context.config().keyCodec().encode(key), StandardCharsets.UTF_8);
    }

    /** The stream of partition {@code p} of cache {@code cacheName}. */
    static String streamName(String cacheName, int p) {
        return "strata:wb:{" + cacheName + ":" + p + "}";
    }

    /** One key on the node of each partition's stream, for {@link RedisDurabilityCheck}. */
    static List<String> sampleKeys(String cacheName, int partitions) {
        List<String> keys = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            keys.add(streamName(cacheName, p));
        }
        return keys;
    }

    /** The version as a 20-digit string whose string order is the order of the signed longs. */
    static String versionText(long version) {
        String u = Long.toUnsignedString(version ^ Long.MIN_VALUE);
        return "0".repeat(20 - u.length()) + u;
    }

    private int partition(String keyString) {
        return Math.floorMod(keyString.hashCode(), partitions);
    }

    @Override
    public void enqueue(K key, Entry<V> entry) {
        if (closing) {
            throw new IllegalStateException("write-behind queue of " + context.cacheName() + " is closing");
        }
        String problem = durability.problem();
        if (problem != null
                && durability.unverified()
                && System.nanoTime() - durability.lastRunNanos() > TimeUnit.MILLISECONDS.toNanos(200)) {
            durability.run(); // Redis may be back: ask now rather than at the flusher's next round
            problem = durability.problem();
        }
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        String ks = keyString(key);
        String s = stream(partition(ks));
        String encoded = Base64.getEncoder().encodeToString(codec.encode(entry));
        jedis.eval(
                ENQUEUE, List.of(s, s + ":latest", s + ":latestv"), List.of(ks, encoded, versionText(entry.version())));
    }

    private @Nullable Entry<V> decode(@Nullable String encoded) {
        if (encoded == null) {
            return null;
        }
        try {
            return codec.decode(Base64.getDecoder().decode(encoded));
        } catch (IllegalArgumentException | CorruptEntryException e) {
            return null;
        }
    }

    @Override
    public @Nullable Entry<V> pending(K key) {
        String ks = keyString(key);
        return decode(jedis.hget(stream(partition(ks)) + ":latest", ks));
    }

    @Override
    public Map<K, Entry<V>> pendingAll(Collection<K> keys) {
        Map<K, Entry<V>> result = new HashMap<>();
        for (K k : keys) {
            Entry<V> e = pending(k);
            if (e != null) {
                result.put(k, e);
            }
        }
        return result;
    }

    @Override
    public long depth() {
        try {
            long n = 0;
            for (int p = 0; p < partitions; p++) {
                n += jedis.hlen(stream(p) + ":latest");
            }
            return n;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private boolean own(int p) {
        String ownerKey = stream(p) + ":owner";
        if (owned[p]) {
            Object renewed = jedis.eval(RENEW, List.of(ownerKey), List.of(me, Long.toString(OWNER_LEASE_MILLIS)));
            if (renewed instanceof Long l && l == 1L) {
                return true;
            }
            owned[p] = false;
        }
        owned[p] = jedis.set(ownerKey, me, SetIfAbsent.expiringAfter(OWNER_LEASE_MILLIS)) != null;
        if (owned[p]) {
            try {
                jedis.xgroupCreate(stream(p), GROUP, new StreamEntryID(0, 0), true);
            } catch (RuntimeException e) {
                // BUSYGROUP: the group exists already
            }
        }
        return owned[p];
    }

    private void flushLoop() {
        int pauseStreak = 0;
        boolean recheck = false;
        while (true) {
            if (closing && System.nanoTime() - closeDeadlineNanos > 0) {
                LOG.warn(
                        "cache {}: write-behind close timeout {} passed; the rest stays queued in Redis",
                        context.cacheName(),
                        writer.strategy().closeTimeout());
                break;
            }
            if (recheck
                    || System.nanoTime() - durability.lastRunNanos()
                            > TimeUnit.MILLISECONDS.toNanos(DURABILITY_CHECK_MILLIS)) {
                durability.run();
                recheck = false;
            }
            boolean didWork = false;
            boolean paused = false;
            try {
                for (int p = 0; p < partitions && !paused; p++) {
                    if (!own(p)) {
                        continue;
                    }
                    int n = flushPartition(p);
                    if (n < 0) {
                        paused = true;
                    } else if (n > 0) {
                        didWork = true;
                    }
                }
            } catch (RuntimeException | Error e) { // the flusher must outlive any failure
                LOG.debug("cache {}: write-behind round failed: {}", context.cacheName(), e.toString());
                paused = true;
                recheck = true; // Redis may have restarted, with other settings
            }
            if (paused) {
                sleep(writer.pauseMillis(++pauseStreak));
                continue;
            }
            pauseStreak = 0;
            if (!didWork) {
                if (closing) {
                    break;
                }
                oldestAgeMillis = 0;
                sleep(writer.strategy().flushInterval().toMillis());
            }
        }
        for (int p = 0; p < partitions; p++) {
            if (owned[p]) {
                try {
                    jedis.eval(RELEASE, List.of(stream(p) + ":owner"), List.of(me));
                } catch (RuntimeException e) {
                    // it expires on its own
                }
            }
        }
    }

    /** Flushes one batch of partition {@code p}; returns how many entries were handled, or -1 to pause. */
    private int flushPartition(int p) {
        String s = stream(p);
        int batchSize = writer.strategy().batchSize();
        List<StreamEntry> entries = new ArrayList<>();
        Map.Entry<StreamEntryID, List<StreamEntry>> claimed = jedis.xautoclaim(
                s,
                GROUP,
                me,
                0,
                new StreamEntryID(0, 0),
                XAutoClaimParams.xAutoClaimParams().count(batchSize));
        if (claimed != null && claimed.getValue() != null) {
            entries.addAll(claimed.getValue());
        }
        if (entries.isEmpty()) {
            var read = jedis.xreadGroup(
                    GROUP,
                    me,
                    XReadGroupParams.xReadGroupParams().count(batchSize),
                    Map.of(s, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            if (read != null) {
                for (var r : read) {
                    entries.addAll(r.getValue());
                }
            }
        }
        if (entries.isEmpty()) {
            return 0;
        }
        // coalesce: the highest version per key wins; every stream entry is acknowledged with it
        Map<K, Entry<V>> batch = new LinkedHashMap<>();
        Map<K, String> encodedByKey = new HashMap<>();
        Map<K, List<StreamEntryID>> idsByKey = new HashMap<>();
        List<StreamEntryID> corrupt = new ArrayList<>();
        long now = context.config().clock().millis();
        long oldest = 0;
        for (StreamEntry se : entries) {
            String ks = se.getFields().get("k");
            String encoded = se.getFields().get("e");
            Entry<V> e = decode(encoded);
            K key;
            try {
                key = ks == null ? null : context.config().keyCodec().decode(ks.getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException ex) {
                key = null;
            }
            if (e == null || key == null || e.negative()) {
                corrupt.add(se.getID());
                jedis.xadd(s + ":dead", StreamEntryID.NEW_ENTRY, se.getFields());
                metrics.writeBehindDeadLetter();
                continue;
            }
            idsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(se.getID());
            Entry<V> prev = batch.get(key);
            if (prev == null || prev.version() <= e.version()) {
                batch.put(key, e);
                encodedByKey.put(key, encoded);
            }
            oldest = Math.max(oldest, now - e.createdAt());
        }
        oldestAgeMillis = oldest;
        if (!corrupt.isEmpty()) {
            ack(s, corrupt);
        }
        batch.keySet().removeIf(k -> !writer.due(k));
        if (batch.isEmpty()) {
            return corrupt.size(); // everything else waits out its backoff, still pending
        }
        StoreBatchWriter.Outcome<K> outcome = writer.write(batch);
        List<StreamEntryID> done = new ArrayList<>();
        for (K k : outcome.written()) {
            done.addAll(idsByKey.get(k));
            jedis.eval(FORGET, List.of(s + ":latest", s + ":latestv"), List.of(keyString(k), encodedByKey.get(k)));
        }
        for (K k : outcome.dead()) {
            Map<String, String> fields = Map.of("k", keyString(k), "e", encodedByKey.get(k));
            jedis.xadd(s + ":dead", StreamEntryID.NEW_ENTRY, fields);
            done.addAll(idsByKey.get(k));
            jedis.eval(FORGET, List.of(s + ":latest", s + ":latestv"), List.of(keyString(k), encodedByKey.get(k)));
        }
        if (!done.isEmpty()) {
            ack(s, done);
        }
        return outcome.pause() ? -1 : entries.size();
    }

    private void ack(String s, List<StreamEntryID> ids) {
        StreamEntryID[] array = ids.toArray(new StreamEntryID[0]);
        jedis.xack(s, GROUP, array);
        jedis.xdel(s, array);
    }

    /** Waits {@code millis}, or less if {@link #close()} wakes the flusher or its deadline comes first. */
    private void sleep(long millis) {
        if (closing) {
            millis = Math.min(millis, TimeUnit.NANOSECONDS.toMillis(closeDeadlineNanos - System.nanoTime()) + 1);
            if (millis <= 0) {
                return;
            }
        }
        try {
            wake.tryAcquire(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Flushes what this member owns for at most {@code closeTimeout}; what is left stays queued in
     * Redis (durable by the check above), for the next owner.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closeDeadlineNanos = System.nanoTime() + closeTimeoutNanos;
        closing = true;
        wake.release();
        try {
            flusher.join(TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos) + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
