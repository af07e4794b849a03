package io.strata.cache.internal;

/**
 * An opened coordination: the transport for invalidations, the load lease and the write-behind
 * queue. Each part is created on first use so that a cache-aside cache never opens a queue.
 */
public interface Coordinator<K, V> extends AutoCloseable {

    /** A transport for invalidation messages (sequencing and gap handling live in {@link InvalidationChannel}). */
    InvalidationTransport invalidationTransport();

    /** The cluster-wide lease used for single-flight loads and refreshes. */
    LoadLease lease();

    /** Opens the durable write-behind queue, whose owners flush through {@code writer}. */
    WriteBehindQueue<K, V> openWriteBehind(StoreBatchWriter<K, V> writer);

    @Override
    void close();
}
