package io.strata.cache;

import com.hazelcast.core.HazelcastInstance;
import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.Coordinator;
import io.strata.cache.internal.hazelcast.HazelcastCoordinator;
import java.util.Objects;

/**
 * Coordination over a Hazelcast cluster: invalidations on a topic
 * ({@code strata-inval.<cache>}), load leases in a map ({@code strata-lease.<cache>}), and
 * write-behind in a map ({@code strata-wb.<cache>}) whose entries are flushed by the member owning
 * their partition. Give {@code strata-wb.*} at least one synchronous backup in the member config
 * (the default of 1 does): a put is acknowledged once the backup has it.
 * Write-behind entries are flushed by members only; a client instance can enqueue.
 */
public final class HazelcastCoordination extends Coordination {

    private final HazelcastInstance hazelcast;

    private HazelcastCoordination(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    /** Coordination over {@code hazelcast}, a member or a client instance the caller owns. */
    public static HazelcastCoordination of(HazelcastInstance hazelcast) {
        return new HazelcastCoordination(Objects.requireNonNull(hazelcast, "hazelcast cannot be null"));
    }

    @Override
    <K, V> Coordinator<K, V> open(CoordinationContext<K, V> context) {
        return new HazelcastCoordinator<>(context, hazelcast);
    }
}
