package io.strata.cache.internal;

import io.strata.cache.CacheException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads of missing keys: once per key in this JVM (concurrent callers share one future) and, with
 * a lease, once per key across the cluster. A load checks the write-behind queue first (an
 * unflushed write is newer than the store) and stores its result with put-if-absent.
 *
 * <p>Concurrency: the lease holder re-reads the shared tiers before it loads (another member may
 * have finished just before); the others poll the shared tiers with growing pauses until the value
 * appears, or load themselves once the lease could have expired twice: a dead holder delays a
 * load, it never blocks it.
 */
public final class LoadCoordinator<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(LoadCoordinator.class);

    private final String name;
    private final Clock clock;
    private final TierChain<K, V> chain;
    private final EntryFactory<K, V> entries;
    private final CacheMetrics metrics;
    private final @Nullable WriteBehindQueue<K, V> writeBehind;
    private final @Nullable LoadLease lease;
    private final Duration leaseTime;
    private final Function<K, String> keyString;
    private final ConcurrentHashMap<K, CompletableFuture<Entry<V>>> flights = new ConcurrentHashMap<>();

    /** {@code lease} is {@code null} when loads are single-flighted in this JVM only. */
    public LoadCoordinator(
            CacheConfig<K, V> config,
            TierChain<K, V> chain,
            EntryFactory<K, V> entries,
            CacheMetrics metrics,
            @Nullable WriteBehindQueue<K, V> writeBehind,
            @Nullable LoadLease lease,
            Function<K, String> keyString) {
        this.name = config.name();
        this.clock = config.clock();
        this.chain = chain;
        this.entries = entries;
        this.metrics = metrics;
        this.writeBehind = writeBehind;
        this.lease = lease;
        this.leaseTime = config.clusterLease();
        this.keyString = keyString;
    }

    /** Whether loads go under a cluster-wide lease (and so read {@code since}). */
    public boolean leased() {
        return lease != null;
    }

    /**
     * The entry for {@code key}, loaded once; the loaded value is stored only if {@code cacheIf} is
     * {@code null} or accepts it. Callers that joined the load get the same entry, stored or not.
     * {@code since}: the cache clock's millis before the caller read the shared tiers and missed;
     * the lease holder reads them again only if another member released the key's lease since
     * (unread, and may be 0, when not {@link #leased}).
     */
    public Entry<V> load(
            K key, Function<? super K, ? extends V> loader, @Nullable Predicate<? super V> cacheIf, long since) {
        CompletableFuture<Entry<V>> mine = new CompletableFuture<>();
        CompletableFuture<Entry<V>> theirs = flights.putIfAbsent(key, mine);
        if (theirs != null) {
            return join(key, theirs);
        }
        try {
            // taken before anything is read: an invalidation from here on drops what this load reads
            long stamp = chain.stamp(key);
            Entry<V> e = lease != null
                    ? loadUnderLease(key, loader, cacheIf, stamp, since)
                    : loadAndStore(key, loader, cacheIf, stamp);
            mine.complete(e);
            return e;
        } catch (RuntimeException | Error ex) {
            mine.completeExceptionally(ex);
            throw ex;
        } finally {
            flights.remove(key, mine);
        }
    }

    private Entry<V> join(K key, CompletableFuture<Entry<V>> flight) {
        try {
            return flight.get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new CacheException("cache " + name + ": interrupted waiting for the load of " + key, ex);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new CacheException("cache " + name + ": load of " + key + " failed", ex.getCause());
        }
    }

    /**
     * Forgets the load of {@code key} under way, if any (its key was invalidated): later callers
     * start a new load instead of joining one that may have read the old value.
     */
    public void forget(K key) {
        flights.remove(key);
    }

    /** As {@link #forget} for every key. */
    public void forgetAll() {
        flights.clear();
    }

    /**
     * One lookup per shared tier per miss: the caller's read (at {@code since}) stands unless a holder
     * released the lease after it began ({@link LoadLease.Outcome#RELEASED_SINCE}); only then, and
     * while waiting for a holder, are the shared tiers read again.
     */
    private Entry<V> loadUnderLease(
            K key,
            Function<? super K, ? extends V> loader,
            @Nullable Predicate<? super V> cacheIf,
            long stamp,
            long since) {
        String leaseName = "load:" + keyString.apply(key);
        long deadline = System.nanoTime() + 2 * leaseTime.toNanos();
        long pauseMillis = 2;
        boolean waited = false;
        long readAt = since;
        LoadLease lease = Objects.requireNonNull(this.lease, "loads go under a lease only when there is one");
        while (true) {
            LoadLease.Outcome outcome;
            try {
                outcome = lease.tryAcquireAfter(leaseName, leaseTime, readAt);
            } catch (Throwable ex) { // any failure of the lease service (see Failures) only costs the lease
                Failures.rethrowIfFatal(ex);
                LOG.debug("cache {}: lease service down, loading without it: {}", name, ex.toString());
                return loadAndStore(key, loader, cacheIf, stamp);
            }
            if (outcome == LoadLease.Outcome.ACQUIRED) {
                try {
                    return loadAndStore(key, loader, cacheIf, stamp);
                } finally {
                    try {
                        lease.release(leaseName, clock.millis(), leaseTime);
                    } catch (Throwable ex) {
                        Failures.rethrowIfFatal(ex);
                        LOG.debug("cache {}: lease release failed (it will expire): {}", name, ex.toString());
                    }
                }
            }
            if (outcome == LoadLease.Outcome.HELD) {
                if (!waited) {
                    metrics.leaseWait();
                    waited = true;
                }
                pause(ThreadLocalRandom.current().nextLong(pauseMillis, pauseMillis * 2 + 1));
                pauseMillis = Math.min(50, pauseMillis * 2);
            }
            readAt = clock.millis();
            Entry<V> shared = chain.sharedFresh(key, readAt, stamp);
            if (shared != null) {
                return shared;
            }
            if (System.nanoTime() - deadline > 0) {
                return loadAndStore(key, loader, cacheIf, stamp);
            }
        }
    }

    private Entry<V> loadAndStore(
            K key, Function<? super K, ? extends V> loader, @Nullable Predicate<? super V> cacheIf, long stamp) {
        Entry<V> pending = pending(key);
        if (pending != null) {
            chain.installLoaded(key, pending, stamp);
            return pending;
        }
        V value = callLoader(key, loader);
        return (cacheIf == null || cacheIf.test(value)) ? storeLoaded(key, value, stamp) : entries.create(value, 0);
    }

    /**
     * Stores a loaded value without overwriting anything live, unless {@code key} was invalidated
     * since {@code stamp} (see {@link TierChain#stamp}); {@code null} only where negative entries are
     * kept. The entry made for it.
     */
    public Entry<V> storeLoaded(K key, V value, long stamp) {
        Entry<V> e = entries.create(value, 0);
        if (value != null || entries.cachesAbsence()) {
            chain.installLoaded(key, e, stamp);
        }
        return e;
    }

    /** The unflushed write-behind value of {@code key} as a cache entry, or {@code null}. */
    public @Nullable Entry<V> pending(K key) {
        if (writeBehind == null) {
            return null;
        }
        Entry<V> queued = writeBehind.pending(key);
        return queued == null ? null : entries.reissue(queued);
    }

    /** Calls the loader, timed and counted; its failure is a {@link CacheException}. */
    public V callLoader(K key, Function<? super K, ? extends V> loader) {
        long started = metrics.loadStarted();
        try {
            V value = loader.apply(key);
            metrics.loadSucceeded(started);
            return value;
        } catch (RuntimeException ex) {
            metrics.loadFailed(started);
            throw new CacheException("cache " + name + ": load of " + key + " failed", ex);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("interrupted while waiting for another member's load");
        }
    }
}
