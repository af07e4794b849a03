package io.strata.cache.internal;

import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One opened tier. Every implementation passes {@code TierContract}. A remote tier throws on an
 * infrastructure failure (the {@link GuardedTier} around it turns that into a counted miss) and
 * treats bytes that do not decode as a miss: it evicts them and counts them.
 */
public interface TierStore<K, V> extends AutoCloseable {

    /** "caffeine", "hazelcast" or "redis". */
    String name();

    /** Whether the tier is shared with other members (and so a place to wait for their loads). */
    boolean remote();

    /** The entry for {@code key}, or {@code null}. Expired entries may be returned; callers check times. */
    @Nullable
    Entry<V> get(K key);

    /** The entries present for {@code keys}, in one round trip where the tier allows. */
    Map<K, Entry<V>> getAll(Collection<K> keys);

    /** Stores {@code entry}; it lives until {@code entry.staleUntil()} at most. */
    void put(K key, Entry<V> entry);

    /**
     * Stores {@code entry} unless the tier holds a live entry for {@code key} (one whose
     * {@code staleUntil} has not passed): a load never overwrites a newer put that raced it.
     */
    void putIfAbsent(K key, Entry<V> entry);

    /** Removes {@code key}. */
    void invalidate(K key);

    /** Removes every entry of this cache. */
    void invalidateAll();

    @Override
    default void close() {}
}
