package io.strata.cache;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A cache over an ordered list of tiers (Caffeine L1, Hazelcast L2, Redis L3, any subset) in front
 * of a {@link Store}, with one {@link WriteStrategy}.
 *
 * <p>Reads go tier by tier; a value found in a lower tier is promoted into the tiers above it; a
 * miss in every tier is loaded once per key (single-flight in the JVM, and across the cluster when
 * a {@link Coordination} with leases is configured). A failing remote tier is a miss, never an
 * error for a read the store can answer.
 *
 * <p>Values are never {@code null}: a load that finds nothing is cached as absent for the
 * negative TTL and returned as {@code null}.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface TieredCache<K, V> extends AutoCloseable {

    /**
     * Starts a builder for a cache named {@code name} (used in remote keys, topics and metrics).
     *
     * @param name      cache name: letters, digits, '-', '_' and '.'
     * @param keyType   key class, used by the default JSON key codec
     * @param valueType value class, used by the default JSON value codec
     */
    static <K, V> TieredCacheBuilder<K, V> builder(String name, Class<K> keyType, Class<V> valueType) {
        return new TieredCacheBuilder<>(name, keyType, valueType);
    }

    /** The cache name given to the builder. */
    String name();

    /** The value for {@code key}, loading it from the {@link Store} on a miss; {@code null} if absent. */
    @Nullable
    V get(K key);

    /** The value for {@code key}, computing it with {@code loader} on a miss; {@code null} if absent. */
    @Nullable
    V get(K key, Function<? super K, ? extends V> loader);

    /**
     * As {@link #get(Object, Function)}, but the loaded value is stored only if {@code cacheIf}
     * accepts it (it is also asked about {@code null}, which is stored as a negative entry only if the
     * cache keeps them). A value it rejects is still returned, to this caller and to every caller that
     * joined the load, and counts as a successful load. A refresh-ahead reload whose value is
     * rejected drops the entry instead of replacing it. A hit is served without asking.
     */
    @Nullable
    V get(K key, Function<? super K, ? extends V> loader, Predicate<? super V> cacheIf);

    /**
     * The cached value for {@code key} from any tier, without loading; {@code null} on a miss and for
     * a negative entry (use {@link #lookup} to tell them apart).
     */
    @Nullable
    V getIfPresent(K key);

    /**
     * What the tiers hold for {@code key}, without loading: a value, a negative entry, or a miss.
     * Refreshes are scheduled as for {@link #getIfPresent}.
     */
    CacheLookup<V> lookup(K key);

    /** The values for {@code keys} (absent keys left out), each tier asked once for all its misses. */
    Map<K, V> getAll(Collection<? extends K> keys);

    /** As {@link #getAll(Collection)}, loading all misses with one call of {@code loader}. */
    Map<K, V> getAll(
            Collection<? extends K> keys, Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> loader);

    /**
     * Stores {@code value} under {@code key} according to the write strategy: cache-aside and
     * refresh-ahead caches update the tiers only; write-through writes the {@link Store} first (and
     * throws {@link CacheException}, tiers untouched, if that fails); write-behind returns once the
     * write is in the durable queue. Other members' L1 copies are invalidated.
     */
    void put(K key, V value);

    /**
     * Stores a value the caller loaded itself, as a load would: the {@link Store} is not written (the
     * write strategy does not apply) and nothing live is overwritten, so a concurrent put wins. An
     * unflushed write-behind value of {@code key} is newer and is stored instead. {@code null} is
     * stored as a negative entry if the cache keeps them. Other members' L1 copies are not touched.
     */
    void putLoaded(K key, V value);

    /**
     * Replaces the entry of {@code key} in every tier with a negative entry for the negative TTL (or,
     * with a negative TTL of zero, removes it), and invalidates every other member's L1 copy. The
     * {@link Store} is untouched.
     */
    void putNegative(K key);

    /** Removes {@code key} from every tier here and from every member's L1. The store is untouched. */
    void invalidate(K key);

    /** Removes every entry of this cache from every tier and from every member's L1. */
    void invalidateAll();

    /** Reloads {@code key} from the store in the background; readers keep the current value meanwhile. */
    CompletableFuture<V> refresh(K key);

    /**
     * Stops this cache: write-behind entries this member owns are flushed to the store first (for at
     * most {@link WriteStrategy#closeTimeout()}), subscriptions are closed. The tiers' clients
     * (Hazelcast, Jedis) belong to the caller.
     *
     * @throws WriteBehindBacklogException if acknowledged write-behind entries could not reach the
     *     store within the close timeout and no {@linkplain WriteStrategy#withJournal journal} took
     *     them (Hazelcast queue); the cache is closed all the same
     */
    @Override
    void close();
}
