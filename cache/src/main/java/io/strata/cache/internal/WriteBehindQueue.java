package io.strata.cache.internal;

import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The durable write-behind queue of one cache: entries coalesced per key, flushed in batches by
 * exactly one owner per partition, retried, dead-lettered, and drained on close.
 */
public interface WriteBehindQueue<K, V> extends AutoCloseable {

    /** Queues {@code entry}; returns once the queue holds it durably, throws if it could not. */
    void enqueue(K key, Entry<V> entry);

    /** The queued (not yet flushed) entry for {@code key}, or {@code null}. */
    @Nullable
    Entry<V> pending(K key);

    /** The queued entries for those of {@code keys} that have one. */
    Map<K, Entry<V>> pendingAll(Collection<K> keys);

    /** Entries waiting in the whole queue (all partitions). */
    long depth();

    /** Flushes what this member owns, then stops its flusher. */
    @Override
    void close();
}
