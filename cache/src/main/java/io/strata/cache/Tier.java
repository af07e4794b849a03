package io.strata.cache;

import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;

/**
 * One level of a {@link TieredCache}: {@link LocalTier} (Caffeine, in this JVM),
 * {@link HazelcastTier} (an IMap) or {@link RedisTier} (Jedis). A tier is a description; the cache
 * opens it when it is built. Tiers are listed to the builder nearest first.
 */
public abstract class Tier {

    Tier() {
        // only the tiers of this package
    }

    /** A short name for metrics and logs: "caffeine", "hazelcast" or "redis". */
    public abstract String name();

    /** Whether values cross the network (and so go through the codec and are untrusted on the way back). */
    public abstract boolean remote();

    abstract <K, V> TierStore<K, V> open(TierContext<K, V> context);
}
