package io.strata.cache.spring;

import io.strata.cache.CacheException;
import io.strata.cache.TieredCache;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
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

  /**
   * The store value: the cached value, {@code NullValue} for a negative entry, {@code null} for a
   * miss. {@code TieredCache.getIfPresent} answers {@code null} for both of the latter, so that
   * answer is followed by a load whose loader reports the miss.
   */
  @Override
  protected Object lookup(Object key) {
    Object v = cache.getIfPresent(key);
    if (v != null) {
      return v;
    }
    try {
      Object loaded = cache.get(key, k -> {
        throw Miss.INSTANCE;
      });
      return toStoreValue(loaded);
    } catch (CacheException e) {
      return null; // our probe's miss, or a load we joined that failed: nothing is cached
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(Object key, Callable<T> valueLoader) {
    while (true) {
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
        if (!(e.getCause() instanceof Miss)) {
          throw e;
        }
        // joined a concurrent lookup's probe: nothing was loaded, load again
      }
    }
  }

  /** A completed future of the value wrapper, or {@code null} on a miss (as Spring's own caches). */
  @Override
  public CompletableFuture<?> retrieve(Object key) {
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
          cache.get(key, k -> v); // stored as a load: no store write, no overwrite of a newer put
        }
      } finally {
        flights.remove(key, mine);
        if (ex == null) {
          mine.complete(v);
        } else {
          mine.completeExceptionally(ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex);
        }
      }
    });
    return (CompletableFuture<T>) mine.thenApply(v -> v);
  }

  /** Stores {@code value} through the write strategy; {@code null} replaces the entry with a negative one. */
  @Override
  public void put(Object key, Object value) {
    if (value == null) {
      cache.invalidate(key);
      cache.get(key, k -> null);
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

  /** A probe's miss; no stack trace. */
  private static final class Miss extends RuntimeException {
    static final Miss INSTANCE = new Miss();

    private Miss() {
      super(null, null, false, false);
    }
  }

  /** A checked exception of the value loader, carried through the tiered cache's load. */
  private static final class LoaderFailure extends RuntimeException {
    LoaderFailure(Exception cause) {
      super(null, cause, false, false);
    }
  }
}
