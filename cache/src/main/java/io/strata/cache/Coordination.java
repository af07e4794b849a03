package io.strata.cache;

import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.Coordinator;

/**
 * What the members of one application share besides data: the channel that carries L1
 * invalidations, the lease that makes a load happen once cluster-wide, and the durable
 * write-behind queue with its partition owners. {@link HazelcastCoordination} uses the Hazelcast
 * cluster; {@link RedisCoordination} uses Redis (pub/sub, {@code SET NX}, streams).
 */
public abstract class Coordination {

    Coordination() {
        // only the coordinations of this package
    }

    abstract <K, V> Coordinator<K, V> open(CoordinationContext<K, V> context);
}
