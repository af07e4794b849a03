package io.strata.cache.internal.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.strata.cache.WriteBehindBacklogException;
import io.strata.cache.internal.CacheMetrics;
import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.CorruptEntryException;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.EntryCodec;
import io.strata.cache.internal.StoreBatchWriter;
import io.strata.cache.internal.WriteBehindJournal;
import io.strata.cache.internal.WriteBehindQueue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-behind in a Hazelcast {@code IMap<String, byte[]>} named {@code strata-wb.<cache>}.
 *
 * <p>Durability: an entry is queued by an entry processor ({@link SetIfNewer}) that returns once the
 * partition owner and its synchronous backups hold it, so a member crash loses nothing while the
 * map has a backup. Coalescing: one entry per key, the highest version wins whatever order two puts
 * of one key reach the partition in. Ownership: each member flushes only the keys of the partitions
 * it owns ({@code localKeySet}); when a member leaves, its partitions and their backups move to the
 * survivors, whose flushers pick them up. An entry is removed after its store write only if it still
 * has the version that was written ({@link RemoveIfUnchanged}, one operation per partition), so a
 * put that arrived during the write stays queued. A member that dies between the store write and
 * the remove makes the new owner write the entry again, which the store's versioned upsert ignores.
 *
 * <p>Close: the flusher empties this member's partitions, then makes one pass over all keys left
 * (harmless duplicates with other owners), then stops, within {@code closeTimeout}. If the deadline
 * passed first (the store is down), every entry still in the map (all members' partitions: this
 * close may be the last copy) goes to the journal, fsynced; without a journal, close throws
 * {@link WriteBehindBacklogException} with the count. A member built with the same journal folder
 * replays the journal before its flusher starts: to the store, or back into the map (never over a
 * newer entry) while the store is unreachable.
 */
public final class HazelcastWriteBehindQueue<K, V> implements WriteBehindQueue<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastWriteBehindQueue.class);

    private final CoordinationContext<K, V> context;
    private final HazelcastInstance hazelcast;
    private final IMap<String, byte[]> queue;
    private final IMap<String, byte[]> deadLetters;
    private final EntryCodec<V> codec;
    private final StoreBatchWriter<K, V> writer;
    private final CacheMetrics metrics;
    private final Clock clock;
    private final @Nullable Thread flusher;
    private final java.util.concurrent.Semaphore wake = new java.util.concurrent.Semaphore(0);
    private final long closeTimeoutNanos;
    private final @Nullable WriteBehindJournal journal;
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private volatile boolean drained;
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
        this.closeTimeoutNanos = writer.strategy().closeTimeout().toNanos();
        this.journal = writer.strategy().journal() == null
                ? null
                : new WriteBehindJournal(writer.strategy().journal(), queue.getName());
        if (journal != null) {
            replayJournal();
        }
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
        queue.executeOnKey(keyString(key), new SetIfNewer(codec.encode(entry)));
    }

    /**
     * Writes what a previous close left in the journal to the store; what the store cannot take now
     * (it is unreachable) goes back into the map, never over a newer entry. Runs before the flusher
     * starts and before the cache serves anything.
     */
    @SuppressWarnings("NullAway") // keyStrings and records hold every key of batch, so their gets are non-null
    private void replayJournal() {
        WriteBehindJournal journal = Objects.requireNonNull(this.journal, "replayed only with a journal");
        int n = journal.replay(SetIfNewer::version, records -> {
            Map<K, Entry<V>> batch = new LinkedHashMap<>();
            Map<K, String> keyStrings = new HashMap<>();
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                try {
                    K k = key(r.getKey());
                    Entry<V> e = codec.decode(r.getValue());
                    if (e.negative()) {
                        throw new CorruptEntryException("negative entry in the write-behind journal");
                    }
                    batch.put(k, e);
                    keyStrings.put(k, r.getKey());
                } catch (RuntimeException e) {
                    deadLetter(r.getKey(), r.getValue());
                }
            }
            List<K> keys = new ArrayList<>(batch.keySet());
            int batchSize = writer.strategy().batchSize();
            int from = 0;
            for (; from < keys.size(); from += batchSize) {
                Map<K, Entry<V>> chunk = new LinkedHashMap<>();
                for (K k : keys.subList(from, Math.min(keys.size(), from + batchSize))) {
                    chunk.put(k, batch.get(k));
                }
                StoreBatchWriter.Outcome<K> outcome = writer.write(chunk);
                for (K k : outcome.dead()) {
                    moveToDeadLetters(keyStrings.get(k), records.get(keyStrings.get(k)));
                }
                if (outcome.pause() || outcome.written().size() + outcome.dead().size() < chunk.size()) {
                    break; // the store is unreachable (or wants a retry): the rest goes back into the map
                }
            }
            List<CompletableFuture<Boolean>> requeued = new ArrayList<>();
            for (K k : from < keys.size() ? keys.subList(from, keys.size()) : List.<K>of()) {
                String ks = keyStrings.get(k);
                requeued.add(
                        queue.submitToKey(ks, new SetIfNewer(records.get(ks))).toCompletableFuture());
            }
            requeued.forEach(CompletableFuture::join);
            if (!requeued.isEmpty()) {
                LOG.warn(
                        "cache {}: {} journal entries went back into the write-behind queue (the store is unreachable)",
                        context.cacheName(),
                        requeued.size());
            }
        });
        if (n > 0) {
            LOG.info(
                    "cache {}: replayed {} entries from the write-behind journal {}",
                    context.cacheName(),
                    n,
                    journal.file());
        }
    }

    @Override
    public @Nullable Entry<V> pending(K key) {
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
        boolean finalPassDone = false;
        while (instanceRunning()) {
            try {
                if (closing && System.nanoTime() - closeDeadlineNanos > 0) {
                    return; // close() deals with what is left
                }
                Set<String> keys = queue.localKeySet();
                if (keys.isEmpty() && closing) {
                    if (finalPassDone) {
                        drained = true;
                        return;
                    }
                    keys = new LinkedHashSet<>(queue.keySet());
                    finalPassDone = true;
                    if (keys.isEmpty()) {
                        drained = true;
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
                    finalPassDone = false; // the pass did not get through: it is not final
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
            if (closing && System.nanoTime() - closeDeadlineNanos > 0) {
                return false; // close() takes what is left
            }
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
                    flushed.put(
                            keyString(k),
                            Objects.requireNonNull(batch.get(k), "written keys come from the batch")
                                    .version());
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

    private void deadLetter(String keyString, byte @Nullable [] bytes) {
        if (bytes != null) {
            moveToDeadLetters(keyString, bytes);
            metrics.writeBehindDeadLetter();
        }
    }

    private void moveToDeadLetters(String keyString, byte @Nullable [] bytes) {
        if (bytes != null) {
            deadLetters.set(keyString, bytes);
            queue.remove(keyString, bytes);
        }
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
     * Drains within {@code closeTimeout}; if the store kept the queue from draining, spills every
     * entry still queued to the journal, or throws {@link WriteBehindBacklogException} without one.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closeDeadlineNanos = System.nanoTime() + closeTimeoutNanos;
        closing = true;
        wake.release();
        if (flusher == null) {
            return; // a client: the entries are the members' to flush
        }
        try {
            flusher.join(TimeUnit.NANOSECONDS.toMillis(closeTimeoutNanos) + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drained || !instanceRunning()) {
            return; // all flushed, or this member is gone and its entries live in the backups (or nowhere)
        }
        flusher.interrupt(); // stuck in a store call past the deadline: what it writes now is also spilled
        Map<String, byte[]> left;
        try {
            left = snapshot();
        } catch (RuntimeException e) {
            throw new WriteBehindBacklogException(
                    "cache " + context.cacheName() + ": write-behind did not drain within "
                            + writer.strategy().closeTimeout() + " and the entries left in " + queue.getName()
                            + " could not be read to save them; they stay queued only while a member runs",
                    -1,
                    e);
        }
        if (left.isEmpty()) {
            return;
        }
        if (journal == null) {
            throw new WriteBehindBacklogException(
                    "cache " + context.cacheName() + ": " + left.size() + " acknowledged write-behind entries did not"
                            + " reach the store within closeTimeout "
                            + writer.strategy().closeTimeout()
                            + "; they stay in " + queue.getName() + " only while another member of the cluster"
                            + " runs: shutting down the last member loses them. Bring the store back and keep a"
                            + " member running until the queue drains, or configure WriteStrategy.withJournal(folder)",
                    left.size(),
                    null);
        }
        try {
            journal.append(left);
        } catch (IOException | RuntimeException e) {
            throw new WriteBehindBacklogException(
                    "cache " + context.cacheName() + ": " + left.size() + " acknowledged write-behind entries did not"
                            + " reach the store within closeTimeout "
                            + writer.strategy().closeTimeout()
                            + " and could not be written to the journal " + journal.file() + " (" + e
                            + "); they stay in " + queue.getName() + " only while another member runs",
                    left.size(),
                    e);
        }
        LOG.warn(
                "cache {}: write-behind did not drain within {}; {} entries saved to the journal {} (replayed by the"
                        + " next cache built with it)",
                context.cacheName(),
                writer.strategy().closeTimeout(),
                left.size(),
                journal.file());
    }

    /** Every entry in the map, read in chunks. */
    private Map<String, byte[]> snapshot() {
        List<String> keys = new ArrayList<>(queue.keySet());
        Map<String, byte[]> all = new LinkedHashMap<>();
        for (int from = 0; from < keys.size(); from += 1_000) {
            all.putAll(queue.getAll(new LinkedHashSet<>(keys.subList(from, Math.min(keys.size(), from + 1_000)))));
        }
        return all;
    }
}
