package io.strata.cache.internal.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.Coordinator;
import io.strata.cache.internal.InvalidationTransport;
import io.strata.cache.internal.LoadLease;
import io.strata.cache.internal.StoreBatchWriter;
import io.strata.cache.internal.WriteBehindQueue;
import org.jspecify.annotations.Nullable;

/** Coordination over a Hazelcast member or client. */
public final class HazelcastCoordinator<K, V> implements Coordinator<K, V> {

    private final CoordinationContext<K, V> context;
    private final HazelcastInstance hazelcast;
    private @Nullable HazelcastInvalidationTransport transport;
    private @Nullable HazelcastLoadLease lease;

    public HazelcastCoordinator(CoordinationContext<K, V> context, HazelcastInstance hazelcast) {
        this.context = context;
        this.hazelcast = hazelcast;
    }

    @Override
    public synchronized InvalidationTransport invalidationTransport() {
        if (transport == null) {
            transport = new HazelcastInvalidationTransport(hazelcast, "strata-inval." + context.cacheName());
        }
        return transport;
    }

    @Override
    public synchronized LoadLease lease() {
        if (lease == null) {
            lease = new HazelcastLoadLease(hazelcast, "strata-lease." + context.cacheName());
        }
        return lease;
    }

    @Override
    public WriteBehindQueue<K, V> openWriteBehind(StoreBatchWriter<K, V> writer) {
        return new HazelcastWriteBehindQueue<>(context, hazelcast, writer);
    }

    @Override
    public void close() {
        // the transport is closed by its channel; the instance belongs to the caller
    }
}
