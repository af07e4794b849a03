package io.strata.cache.internal.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.strata.cache.internal.CacheMetrics;
import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.CorruptEntryException;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.EntryCodec;
import io.strata.cache.internal.StoreBatchWriter;
import io.strata.cache.internal.WriteBehindQueue;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-behind in a Hazelcast {@code IMap<String, byte[]>} named {@code strata-wb.<cache>}.
 *
 * <p>Durability: {@code set} returns once the partition owner and its synchronous backups hold
 * the entry, so a member crash loses nothing while the map has a backup. Coalescing: one entry per
 * key, a later put replaces an earlier one. Ownership: each member flushes only the keys of the
 * partitions it owns ({@code localKeySet}); when a member leaves, its partitions and their backups
 * move to the survivors, whose flushers pick them up. An entry is removed after its store write
 * only if it still has the version that was written ({@link RemoveIfUnchanged}, one operation per
 * partition), so a put that arrived during the write stays queued. A member that dies between the store write and the remove makes the new
 * owner write the entry again, which the store's versioned upsert ignores.
 *
 * <p>Close: the flusher empties this member's partitions, then makes one pass over all keys left
 * (harmless duplicates with other owners), then stops.
 */
public final class HazelcastWriteBehindQueue<K, V> implements WriteBehindQueue<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastWriteBehindQueue.class);
    private static final long CLOSE_DEADLINE_MILLIS = 60_000;

    private final CoordinationContext<K, V> context;
    private final HazelcastInstance hazelcast;
    private final IMap<String, byte[]> queue;
    private final IMap<String, byte[]> deadLetters;
    private final EntryCodec<V> codec;
    private final StoreBatchWriter<K, V> writer;
    private final CacheMetrics metrics;
    private final Clock clock;
    private final Thread flusher;
    private final java.util.concurrent.Semaphore wake = new java.util.concurrent.Semaphore(0);
    private volatile boolean closing;
    private volatile long oldestAgeMillis;

    public HazelcastWriteBehindQueue(
            CoordinationContext<K, V> context, HazelcastInstance hazelcast, StoreBatchWriter<K, V> writer) {
        this.context = context;
        this.hazelcast = hazelcast;
        this.queue = hazelcast.getMap("strata-wb." + context.cacheName());
        this.deadLetters = hazelcast.getMap("strata-wb-dead." + context.cacheName());
        this.codec = context.entryCodec();
        this.writer = writer;
        this.metrics = context.metrics();
        this.clock = context.config().clock();
        metrics.gauge("strata.cache.writebehind.age", () -> oldestAgeMillis);
        metrics.gauge("strata.cache.writebehind.deadletter.depth", this::deadLetterDepth);
        if (hazelcast.getLocalEndpoint() instanceof Member) {
            flusher = new Thread(this::flushLoop, "strata-wb-" + context.cacheName());
            flusher.setDaemon(true);
            flusher.start();
        } else {
            flusher = null; // a client enqueues; members flush
        }
    }

    private long deadLetterDepth() {
        try {
            return deadLetters.size();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private String keyString(K key) {
        return new String(context.config().keyCodec().encode(key), StandardCharsets.UTF_8);
    }

    private K key(String keyString) {
        return context.config().keyCodec().decode(keyString.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void enqueue(K key, Entry<V> entry) {
        if (closing) {
            throw new IllegalStateException("write-behind queue of " + context.cacheName() + " is closing");
        }
        queue.set(keyString(key), codec.encode(entry));
    }

    @Override
    public Entry<V> pending(K key) {
        byte[] bytes = queue.get(keyString(key));
        if (bytes == null) {
            return null;
        }
        try {
            return codec.decode(bytes);
        } catch (CorruptEntryException e) {
            return null;
        }
    }

    @Override
    public Map<K, Entry<V>> pendingAll(Collection<K> keys) {
        Map<String, K> byString = new LinkedHashMap<>();
        for (K k : keys) {
            byString.put(keyString(k), k);
        }
        Map<K, Entry<V>> result = new HashMap<>();
        for (Map.Entry<String, byte[]> r : queue.getAll(byString.keySet()).entrySet()) {
            try {
                result.put(byString.get(r.getKey()), codec.decode(r.getValue()));
            } catch (CorruptEntryException e) {
                // not a pending value we can serve; the flusher dead-letters it
            }
        }
        return result;
    }

    @Override
    public long depth() {
        try {
            return queue.size();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private boolean instanceRunning() {
        return hazelcast.getLifecycleService().isRunning();
    }

    private void flushLoop() {
        int pauseStreak = 0;
        long closeDeadline = Long.MAX_VALUE;
        boolean finalPassDone = false;
        while (instanceRunning()) {
            try {
                if (closing && closeDeadline == Long.MAX_VALUE) {
                    closeDeadline = System.currentTimeMillis() + CLOSE_DEADLINE_MILLIS;
                }
                if (System.currentTimeMillis() > closeDeadline) {
                    LOG.warn(
                            "cache {}: write-behind close deadline passed with {} entries queued (they stay durable)",
                            context.cacheName(),
                            depth());
                    return;
                }
                Set<String> keys = queue.localKeySet();
                if (keys.isEmpty() && closing) {
                    if (finalPassDone) {
                        return;
                    }
                    keys = new LinkedHashSet<>(queue.keySet());
                    finalPassDone = true;
                    if (keys.isEmpty()) {
                        return;
                    }
                }
                if (keys.isEmpty()) {
                    oldestAgeMillis = 0;
                    sleep(writer.strategy().flushInterval().toMillis());
                    continue;
                }
                boolean paused = flush(keys);
                if (paused) {
                    sleep(writer.pauseMillis(++pauseStreak));
                } else {
                    pauseStreak = 0;
                }
            } catch (RuntimeException | Error e) { // the flusher must outlive any failure
                if (!instanceRunning()) {
                    return;
                }
                LOG.warn("cache {}: write-behind flush round failed: {}", context.cacheName(), e.toString());
                sleep(writer.pauseMillis(++pauseStreak));
            }
        }
    }

    /** Flushes {@code keys} in batches; returns true if the store looked unreachable. */
    private boolean flush(Set<String> keys) {
        List<String> due = new ArrayList<>(keys.size());
        Map<String, K> decodedKeys = new HashMap<>();
        for (String ks : keys) {
            K k;
            try {
                k = key(ks);
            } catch (RuntimeException e) {
                deadLetter(ks, queue.get(ks));
                continue;
            }
            if (writer.due(k)) {
                due.add(ks);
                decodedKeys.put(ks, k);
            }
        }
        if (due.isEmpty()) {
            sleep(writer.strategy().flushInterval().toMillis());
            return false;
        }
        int batchSize = writer.strategy().batchSize();
        for (int from = 0; from < due.size(); from += batchSize) {
            Set<String> chunk = new LinkedHashSet<>(due.subList(from, Math.min(due.size(), from + batchSize)));
            Map<String, byte[]> raw = queue.getAll(chunk);
            Map<K, Entry<V>> batch = new LinkedHashMap<>();
            long now = clock.millis();
            long oldest = 0;
            for (String ks : chunk) {
                byte[] bytes = raw.get(ks);
                if (bytes == null) {
                    continue; // flushed by someone else meanwhile
                }
                try {
                    Entry<V> e = codec.decode(bytes);
                    if (e.negative()) {
                        throw new CorruptEntryException("negative entry in the write-behind queue");
                    }
                    batch.put(decodedKeys.get(ks), e);
                    oldest = Math.max(oldest, now - e.createdAt());
                } catch (CorruptEntryException e) {
                    deadLetter(ks, bytes);
                }
            }
            oldestAgeMillis = oldest;
            StoreBatchWriter.Outcome<K> outcome = writer.write(batch);
            if (!outcome.written().isEmpty()) {
                Map<String, Long> flushed = new HashMap<>();
                for (K k : outcome.written()) {
                    flushed.put(keyString(k), batch.get(k).version());
                }
                queue.executeOnKeys(flushed.keySet(), new RemoveIfUnchanged(flushed));
            }
            for (K k : outcome.dead()) {
                String ks = keyString(k);
                moveToDeadLetters(ks, raw.get(ks)); // counted by the writer
            }
            if (outcome.pause()) {
                return true;
            }
        }
        return false;
    }

    private void deadLetter(String keyString, byte[] bytes) {
        if (bytes != null) {
            moveToDeadLetters(keyString, bytes);
            metrics.writeBehindDeadLetter();
        }
    }

    private void moveToDeadLetters(String keyString, byte[] bytes) {
        if (bytes != null) {
            deadLetters.set(keyString, bytes);
            queue.remove(keyString, bytes);
        }
    }

    /** Waits {@code millis}, or less if {@link #close()} wakes the flusher. */
    private void sleep(long millis) {
        try {
            wake.tryAcquire(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        wake.release(1_000_000);
        if (flusher != null) {
            try {
                flusher.join(CLOSE_DEADLINE_MILLIS + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
