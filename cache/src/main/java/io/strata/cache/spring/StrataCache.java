package io.strata.cache.spring;

import io.strata.cache.CacheException;
import io.strata.cache.CacheLookup;
import io.strata.cache.TieredCache;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/**
 * A Spring {@link org.springframework.cache.Cache} over a {@link TieredCache}.
 *
 * <p>{@link #get(Object, Callable)} (what {@code @Cacheable(sync = true)} calls) is the tiered
 * cache's own load: single-flight per key in the JVM, and cluster-wide when the cache has a lease.
 * {@code null} is allowed and kept as the tiered cache's negative entry for its negative TTL (a
 * cache with a negative TTL of zero keeps no nulls: the next lookup is a miss). {@link #put} goes
 * through the cache's write strategy (write-through writes the store first). {@link #evict} and
 * {@link #clear} reach every tier and every member's L1.
 */
public final class StrataCache extends AbstractValueAdaptingCache {

    private final TieredCache<Object, Object> cache;
    private final ConcurrentHashMap<Object, CompletableFuture<Object>> flights = new ConcurrentHashMap<>();

    /** A Spring cache over {@code cache}, named as it is. */
    @SuppressWarnings("unchecked")
    public StrataCache(TieredCache<?, ?> cache) {
        super(true);
        this.cache = (TieredCache<Object, Object>) Objects.requireNonNull(cache, "cache cannot be null");
    }

    @Override
    public String getName() {
        return cache.name();
    }

    /** The {@link TieredCache}. */
    @Override
    public TieredCache<Object, Object> getNativeCache() {
        return cache;
    }

    /** The store value: the cached value, {@code NullValue} for a negative entry, {@code null} for a miss. */
    @Override
    protected @Nullable Object lookup(Object key) {
        CacheLookup<Object> found = cache.lookup(key);
        return found.present() ? toStoreValue(found.value()) : null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
        try {
            return (T) cache.get(key, k -> {
                try {
                    return valueLoader.call();
                } catch (Exception ex) {
                    throw new LoaderFailure(ex);
                }
            });
        } catch (CacheException e) {
            if (e.getCause() instanceof LoaderFailure f) {
                throw new ValueRetrievalException(key, valueLoader, f.getCause());
            }
            throw e;
        }
    }

    /** A completed future of the value wrapper, or {@code null} on a miss (as Spring's own caches). */
    @Override
    public @Nullable CompletableFuture<?> retrieve(Object key) {
        Object stored = lookup(key);
        return stored == null ? null : CompletableFuture.completedFuture(toValueWrapper(stored));
    }

    /**
     * The cached value, or the value of {@code valueLoader}'s future, stored when it completes
     * normally (a failed future stores nothing); concurrent callers for one key share one future.
     */
    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
        Object stored = lookup(key);
        if (stored != null) {
            return CompletableFuture.completedFuture((T) fromStoreValue(stored));
        }
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> theirs = flights.putIfAbsent(key, mine);
        if (theirs != null) {
            return (CompletableFuture<T>) theirs.thenApply(v -> v);
        }
        CompletableFuture<T> loading;
        try {
            loading = valueLoader.get();
        } catch (RuntimeException e) {
            flights.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        loading.whenComplete((v, ex) -> {
            try {
                if (ex == null) {
                    cache.putLoaded(key, v); // no store write, no overwrite of a newer put
                }
            } finally {
                flights.remove(key, mine);
                if (ex == null) {
                    mine.complete(v);
                } else {
                    mine.completeExceptionally(
                            ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex);
                }
            }
        });
        return (CompletableFuture<T>) mine.thenApply(v -> v);
    }

    /** Stores {@code value} through the write strategy; {@code null} replaces the entry with a negative one. */
    @Override
    public void put(Object key, Object value) {
        if (value == null) {
            cache.putNegative(key);
        } else {
            cache.put(key, value);
        }
    }

    @Override
    public void evict(Object key) {
        cache.invalidate(key);
    }

    /** Evicts; {@code true} if a value or negative entry was present just before (a lookup first). */
    @Override
    public boolean evictIfPresent(Object key) {
        boolean present = lookup(key) != null;
        cache.invalidate(key);
        return present;
    }

    @Override
    public void clear() {
        cache.invalidateAll();
    }

    /** Clears; {@code false}, as the tiers cannot say whether they held entries. */
    @Override
    public boolean invalidate() {
        cache.invalidateAll();
        return false;
    }

    /** An exception of the value loader (the load's failure), carried through the tiered cache's load. */
    private static final class LoaderFailure extends RuntimeException {
        LoaderFailure(Exception cause) {
            super(null, cause, false, false);
        }
    }
}
