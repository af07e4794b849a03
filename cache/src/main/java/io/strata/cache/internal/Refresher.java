package io.strata.cache.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background reloads (refresh-ahead, stale-while-revalidate, {@code refresh(key)}). Readers never
 * wait for one: they keep the current value. A key is refreshed at most once at a time in this JVM
 * ({@code refreshing}) and once across the cluster: the refresh lease is not released but left to
 * expire, so a member still holding the old copy does not refresh again right after; and a member
 * that gets the lease first checks whether the shared tiers already hold a newer entry. A failed
 * reload keeps the old value (until it expires) and is counted.
 */
public final class Refresher<K, V> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Refresher.class);

    private final String name;
    private final Clock clock;
    private final TierChain<K, V> chain;
    private final EntryFactory<K, V> entries;
    private final CacheMetrics metrics;
    private final LoadCoordinator<K, V> loads;
    private final @Nullable LoadLease lease;
    private final Duration leaseTime;
    private final Function<K, String> keyString;
    private final Consumer<K> announce;
    private final Set<K> refreshing = ConcurrentHashMap.newKeySet();
    private final ExecutorService background;
    private volatile boolean closed;

    /** {@code lease} is {@code null} without a coordination; {@code announce} tells other members' L1. */
    public Refresher(
            CacheConfig<K, V> config,
            TierChain<K, V> chain,
            EntryFactory<K, V> entries,
            CacheMetrics metrics,
            LoadCoordinator<K, V> loads,
            @Nullable LoadLease lease,
            Function<K, String> keyString,
            Consumer<K> announce) {
        this.name = config.name();
        this.clock = config.clock();
        this.chain = chain;
        this.entries = entries;
        this.metrics = metrics;
        this.loads = loads;
        this.lease = lease;
        Duration r = config.refreshAfter() != null ? config.refreshAfter() : config.clusterLease();
        this.leaseTime = r.compareTo(config.clusterLease()) < 0 ? r : config.clusterLease();
        this.keyString = keyString;
        this.announce = announce;
        AtomicInteger threads = new AtomicInteger();
        this.background = Executors.newFixedThreadPool(2, task -> {
            Thread t = new Thread(task, "strata-cache-" + name + "-refresh-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Reloads {@code key} in the background unless a reload of it is already under way. */
    public void schedule(K key, Entry<V> current, Function<? super K, ? extends V> loader) {
        schedule(key, current, loader, null);
    }

    /**
     * As {@link #schedule(Object, Entry, Function)}; a reloaded value that {@code cacheIf} (if not
     * {@code null}) rejects drops the entry: the newest answer must not be cached, so neither may the
     * older one be served any longer.
     */
    public void schedule(
            K key, Entry<V> current, Function<? super K, ? extends V> loader, @Nullable Predicate<? super V> cacheIf) {
        if (closed || !refreshing.add(key)) {
            return;
        }
        try {
            background.execute(() -> {
                try {
                    reload(key, current, loader, cacheIf, true);
                } catch (Throwable ex) {
                    Failures.rethrowIfFatal(ex);
                    LOG.debug("cache {}: refresh of {} failed, keeping the old value: {}", name, key, ex.toString());
                } finally {
                    refreshing.remove(key);
                }
            });
        } catch (RuntimeException rejected) {
            refreshing.remove(key);
        }
    }

    /** Reloads {@code key} now on a background thread, without the once-only rules; the new value. */
    public CompletableFuture<V> refresh(K key, Function<? super K, ? extends V> loader) {
        return CompletableFuture.supplyAsync(
                () -> reload(key, null, loader, null, false).value(), background);
    }

    private Entry<V> reload(
            K key,
            @Nullable Entry<V> current,
            Function<? super K, ? extends V> loader,
            @Nullable Predicate<? super V> cacheIf,
            boolean once) {
        // taken before anything is read: an invalidation or a put from here on drops this reload
        long stamp = chain.stamp(key);
        if (once && lease != null) {
            boolean acquired;
            try {
                acquired = lease.tryAcquire("refresh:" + keyString.apply(key), leaseTime);
            } catch (Throwable ex) { // the lease service is down (see Failures): refreshing here too is the lesser harm
                Failures.rethrowIfFatal(ex);
                acquired = true;
            }
            if (!acquired) {
                // once-only reloads come from schedule(), which passes the current entry
                return Objects.requireNonNull(current, "a scheduled refresh has a current entry");
            }
            Entry<V> shared = chain.sharedFresh(key, clock.millis(), stamp);
            if (shared != null && current != null && shared.createdAt() > current.createdAt()) {
                return shared; // another member refreshed it already (and it is now promoted here)
            }
        }
        Entry<V> e;
        boolean cacheable = true;
        try {
            e = loads.pending(key);
            if (e == null) {
                V value = loads.callLoader(key, loader);
                cacheable = cacheIf == null || cacheIf.test(value);
                // the version of the entry it replaces: tiers keep the higher version, so a put that
                // raced the reload (with a newer version) is not replaced by what the reload read
                e = entries.create(value, current != null ? current.version() : chain.version(key));
            }
        } catch (RuntimeException ex) {
            metrics.refresh("failure");
            throw ex;
        }
        if (!cacheable || (e.negative() && !entries.cachesAbsence())) {
            chain.invalidate(key);
        } else if (!chain.installRefreshed(key, e, stamp)) {
            return e; // invalidated or put meanwhile: what this reload read may be older
        }
        announce.accept(key);
        metrics.refresh("success");
        return e;
    }

    @Override
    public void close() {
        closed = true;
        background.shutdownNow();
    }
}
