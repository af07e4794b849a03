package io.strata.cache.internal;

import io.strata.cache.CacheException;
import io.strata.cache.CacheLookup;
import io.strata.cache.Store;
import io.strata.cache.TieredCache;
import io.strata.cache.WriteStrategy;
import io.strata.cache.internal.postgres.PgNotifyListener;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TieredCache}: the read path (tiers in order, promotion, stale-while-revalidate and
 * refresh-ahead through the {@link Refresher}, misses through the {@link LoadCoordinator}) and the
 * write path (the strategy, then the {@link TierChain} from the farthest tier to the nearest, then
 * an invalidation to the other members through the {@link InvalidationChannel}).
 */
public final class DefaultTieredCache<K, V> implements TieredCache<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultTieredCache.class);

    /** The answer of a {@link #lookup} miss; a hit answers with the entry itself. */
    private static final CacheLookup<Object> MISS = new CacheLookup<>() {
        @Override
        public boolean present() {
            return false;
        }

        @Override
        public boolean negative() {
            return false;
        }

        @Override
        public @Nullable Object value() {
            return null;
        }

        @Override
        public String toString() {
            return "CacheLookup[miss]";
        }
    };

    private final CacheConfig<K, V> config;
    private final String name;
    private final Clock clock;
    private final CacheMetrics metrics;
    private final TierChain<K, V> chain;
    private final @Nullable CaffeineTierStore<K, V> local;
    private final @Nullable Coordinator<K, V> coordinator;
    private final @Nullable InvalidationChannel invalidations;
    private final @Nullable WriteBehindQueue<K, V> writeBehind;
    private final @Nullable PgNotifyListener notifyListener;
    private final @Nullable Store<K, V> store;
    private final WriteStrategy.Kind kind;
    private final VersionClock versions;
    private final EntryFactory<K, V> entries;
    private final LoadCoordinator<K, V> loads;
    private final Refresher<K, V> refresher;
    private final long refreshAfterMillis;
    private final boolean timeChecksOnL1Hit;
    /** An L1 exists and its hits need no check (see {@link #l1Hit}). */
    private final boolean l1Unchecked;

    private final ScheduledExecutorService scheduler;
    /** {@link #loadFromStore}, made once: a method reference to it would be a new object per read. */
    private final Function<K, V> storeLoader;
    /** {@link #storeLoader}, or {@code null} without a store (reads without a loader refresh nothing). */
    private final @Nullable Function<K, V> refreshLoader;

    private volatile boolean closed;

    public DefaultTieredCache(
            CacheConfig<K, V> config,
            List<TierStore<K, V>> opened,
            @Nullable Coordinator<K, V> coordinator,
            CacheMetrics metrics) {
        this.config = config;
        this.name = config.name();
        this.clock = config.clock();
        this.metrics = metrics;
        this.store = config.store();
        this.storeLoader = this::loadFromStore;
        this.refreshLoader = store == null ? null : storeLoader;
        this.kind = config.writeStrategy().kind();
        this.versions = new VersionClock(clock);
        this.entries = new EntryFactory<>(config);
        this.refreshAfterMillis =
                config.refreshAfter() == null ? -1 : config.refreshAfter().toMillis();
        this.timeChecksOnL1Hit =
                refreshAfterMillis >= 0 || !config.staleWhileRevalidate().isZero();
        this.chain = new TierChain<>(name, opened, config, metrics);
        this.local = chain.local();
        this.l1Unchecked = local != null && !timeChecksOnL1Hit;
        this.coordinator = coordinator;

        if (coordinator != null && local != null) {
            this.invalidations = new InvalidationChannel(
                    name, coordinator.invalidationTransport(), clock, config.invalidationHeartbeat(), metrics);
            // started here, before the queue and the lease are opened (the transport's subscription must
            // come first on a shared Redis client); loads is null until built below: see invalidateHere
            invalidations.start(
                    k -> invalidateHere(config.keyCodec().decode(k), false),
                    this::invalidateAllHere,
                    this::invalidateAllHere);
        } else {
            this.invalidations = null;
        }
        if (kind == WriteStrategy.Kind.WRITE_BEHIND) {
            // the builder requires a store and a coordination for write-behind
            StoreBatchWriter<K, V> writer = new StoreBatchWriter<>(
                    name,
                    Objects.requireNonNull(store, "write-behind needs a store"),
                    config.writeStrategy(),
                    metrics,
                    clock);
            WriteBehindQueue<K, V> queue = Objects.requireNonNull(coordinator, "write-behind needs a coordination")
                    .openWriteBehind(writer);
            this.writeBehind = queue;
            metrics.gauge("strata.cache.writebehind.depth", queue::depth);
        } else {
            this.writeBehind = null;
        }
        boolean leased = coordinator != null
                && chain.hasRemote()
                && !config.clusterLease().isZero();
        LoadLease lease = leased && coordinator != null ? coordinator.lease() : null;
        this.loads = new LoadCoordinator<>(config, chain, entries, metrics, writeBehind, lease, this::keyString);
        this.refresher =
                new Refresher<>(config, chain, entries, metrics, loads, lease, this::keyString, this::announce);

        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strata-cache-" + name + "-scheduler");
            t.setDaemon(true);
            return t;
        });
        if (chain.hasRemote()) {
            scheduler.scheduleWithFixedDelay(this::payTierDebts, 1, 1, TimeUnit.SECONDS);
        }
        if (config.notifyDataSource() != null) {
            this.notifyListener = new PgNotifyListener(
                    config.notifyDataSource(),
                    Objects.requireNonNull(config.notifyChannel(), "set together with notifyDataSource"),
                    name,
                    k -> {
                        invalidateHere(config.keyCodec().decode(k), true);
                        metrics.notifyInvalidation();
                    },
                    this::invalidateAllHere);
            notifyListener.start();
        } else {
            this.notifyListener = null;
        }
    }

    // ---- reads -------------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public @Nullable V get(K key) {
        return get(key, storeLoader);
    }

    private @Nullable V loadFromStore(K key) {
        if (store == null) {
            throw new IllegalStateException("cache " + name + " has no store: use get(key, loader)");
        }
        return store.load(key);
    }

    @Override
    public @Nullable V get(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(key, "key cannot be null");
        Objects.requireNonNull(loader, "loader cannot be null");
        Entry<V> e = l1Hit(key);
        if (e != null) {
            return e.value();
        }
        long since = missStarted();
        e = findBelowL1(key, loader, null);
        return e != null ? e.value() : loads.load(key, loader, null, since).value();
    }

    @Override
    public @Nullable V get(K key, Function<? super K, ? extends V> loader, Predicate<? super V> cacheIf) {
        Objects.requireNonNull(key, "key cannot be null");
        Objects.requireNonNull(loader, "loader cannot be null");
        Objects.requireNonNull(cacheIf, "cacheIf cannot be null");
        Entry<V> e = l1Hit(key);
        if (e != null) {
            return e.value();
        }
        long since = missStarted();
        e = findBelowL1(key, loader, cacheIf);
        return e != null ? e.value() : loads.load(key, loader, cacheIf, since).value();
    }

    @Override
    public @Nullable V getIfPresent(K key) {
        Objects.requireNonNull(key, "key cannot be null");
        Entry<V> e = find(key, refreshLoader, null);
        return e == null ? null : e.value();
    }

    @Override
    @SuppressWarnings("unchecked")
    public CacheLookup<V> lookup(K key) {
        Objects.requireNonNull(key, "key cannot be null");
        Entry<V> e = find(key, refreshLoader, null);
        return e != null ? e : (CacheLookup<V>) MISS;
    }

    /**
     * The cache clock before the shared tiers are read on a miss, for a lease holder to know whether
     * another member's load ended since (see {@link LoadCoordinator#load}); without a lease nothing
     * reads it, and no clock is read.
     */
    private long missStarted() {
        return loads.leased() ? clock.millis() : 0;
    }

    /**
     * The first live entry in the tiers, promoted into the tiers above it; refreshes scheduled with
     * {@code loader} and {@code cacheIf} (both may be {@code null}).
     */
    private @Nullable Entry<V> find(
            K key, @Nullable Function<? super K, ? extends V> loader, @Nullable Predicate<? super V> cacheIf) {
        Entry<V> e = l1Hit(key);
        return e != null ? e : findBelowL1(key, loader, cacheIf);
    }

    /**
     * The L1 entry when an L1 hit needs no check: L1 entries expire physically no later than their
     * staleUntil, which without a stale window is their freshUntil, so an L1 hit is fresh, and with
     * no refresh-ahead there is nothing else to check (no clock read). Otherwise {@code null}, and
     * {@link #findBelowL1} reads L1 with the checks.
     */
    private @Nullable Entry<V> l1Hit(K key) {
        return l1Unchecked
                ? Objects.requireNonNull(local, "l1Unchecked implies an L1").get(key)
                : null;
    }

    /**
     * The L1 entry of {@code key} when an L1 hit needs no check (no refresh-ahead, no stale window),
     * else {@code null}; nothing is allocated or scheduled. The annotation proxy's hit path: it builds
     * its loader only on a miss.
     */
    public @Nullable Entry<V> hitWithoutChecks(K key) {
        return l1Hit(key);
    }

    /** The tiers {@link #l1Hit} did not read, in order, as {@link #find}. */
    private @Nullable Entry<V> findBelowL1(
            K key, @Nullable Function<? super K, ? extends V> loader, @Nullable Predicate<? super V> cacheIf) {
        int start = l1Unchecked ? 1 : 0;
        if (start >= chain.size()) {
            return null;
        }
        // taken before the lower tiers are read: an entry read there is not promoted into the tiers
        // above if the key was invalidated meanwhile
        long stamp = chain.stamp(key);
        for (int i = start; i < chain.size(); i++) {
            Entry<V> e = chain.get(i).get(key);
            if (e == null) {
                continue;
            }
            long now = clock.millis();
            if (!e.alive(now)) {
                continue;
            }
            if (i > 0) {
                chain.promote(key, e, i, stamp);
            }
            if (loader != null && needsRefresh(e, now)) {
                refresher.schedule(key, e, loader, cacheIf);
            }
            return e;
        }
        return null;
    }

    private boolean needsRefresh(Entry<V> e, long now) {
        return !e.fresh(now) || (refreshAfterMillis >= 0 && now - e.createdAt() >= refreshAfterMillis);
    }

    @Override
    public Map<K, V> getAll(Collection<? extends K> keys) {
        return getAll(keys, missing -> {
            if (store == null) {
                throw new IllegalStateException("cache " + name + " has no store: use getAll(keys, loader)");
            }
            return store.loadAll(missing);
        });
    }

    @Override
    @SuppressWarnings("NullAway") // stamps holds a stamp for every key of missing, so stamps.get is non-null
    public Map<K, V> getAll(
            Collection<? extends K> keys, Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> loader) {
        Objects.requireNonNull(keys, "keys cannot be null");
        Objects.requireNonNull(loader, "loader cannot be null");
        Set<K> missing = new LinkedHashSet<>(keys);
        Map<K, Entry<V>> found = new HashMap<>();
        Map<K, Long> stamps = new HashMap<>(); // taken before any tier is read, as in find
        for (K key : missing) {
            stamps.put(key, chain.stamp(key));
        }
        Function<K, V> single = k -> loader.apply(Set.of(k)).get(k);
        for (int i = 0; i < chain.size() && !missing.isEmpty(); i++) {
            Map<K, Entry<V>> hits = chain.get(i).getAll(missing);
            long now = clock.millis();
            for (Map.Entry<K, Entry<V>> h : hits.entrySet()) {
                Entry<V> e = h.getValue();
                if (e == null || !e.alive(now)) {
                    continue;
                }
                K key = h.getKey();
                found.put(key, e);
                missing.remove(key);
                if (i > 0) {
                    chain.promote(key, e, i, stamps.get(key));
                }
                if (needsRefresh(e, now)) {
                    refresher.schedule(key, e, single);
                }
            }
        }
        if (!missing.isEmpty() && writeBehind != null) {
            for (Map.Entry<K, Entry<V>> p : writeBehind.pendingAll(missing).entrySet()) {
                Entry<V> e = entries.reissue(p.getValue());
                chain.installLoaded(p.getKey(), e, stamps.get(p.getKey()));
                found.put(p.getKey(), e);
                missing.remove(p.getKey());
            }
        }
        if (!missing.isEmpty()) {
            long started = metrics.loadStarted();
            Map<? extends K, ? extends V> loaded;
            try {
                loaded = loader.apply(Set.copyOf(missing));
                metrics.loadSucceeded(started);
            } catch (RuntimeException ex) {
                metrics.loadFailed(started);
                throw new CacheException("cache " + name + ": bulk load of " + missing.size() + " keys failed", ex);
            }
            for (K key : missing) {
                V v = loaded == null ? null : loaded.get(key);
                Entry<V> e = entries.create(v, 0);
                if (v != null || entries.cachesAbsence()) {
                    chain.installLoaded(key, e, stamps.get(key));
                }
                found.put(key, e);
            }
        }
        Map<K, V> result = new LinkedHashMap<>();
        for (K key : keys) {
            Entry<V> e = found.get(key);
            if (e != null && e.value() != null) {
                result.put(key, e.value());
            }
        }
        return result;
    }

    @Override
    public CompletableFuture<V> refresh(K key) {
        Objects.requireNonNull(key, "key cannot be null");
        checkOpen();
        return refresher.refresh(key, storeLoader);
    }

    // ---- writes ------------------------------------------------------------------------------

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key cannot be null");
        Objects.requireNonNull(value, "value cannot be null");
        checkOpen();
        long version = versions.next();
        Entry<V> e = entries.create(value, version);
        switch (kind) {
            case WRITE_THROUGH -> {
                try {
                    // the builder requires a store for every strategy but cache-aside
                    Objects.requireNonNull(store, "write-through needs a store").write(key, value, version);
                } catch (RuntimeException ex) {
                    throw new CacheException(
                            "cache " + name + ": store write of " + key + " failed, cache unchanged", ex);
                }
            }
            case WRITE_BEHIND -> {
                try {
                    Objects.requireNonNull(writeBehind, "opened for write-behind")
                            .enqueue(key, e);
                } catch (Throwable ex) { // the queue is the write: any failure of it (see Failures) refuses the put
                    Failures.rethrowIfFatal(ex);
                    throw new CacheException(
                            "cache " + name + ": write-behind enqueue of " + key + " failed, not acknowledged", ex);
                }
            }
            default -> {}
        }
        chain.put(key, e);
        announce(key);
        metrics.put();
    }

    @Override
    public void putLoaded(K key, V value) {
        Objects.requireNonNull(key, "key cannot be null");
        checkOpen();
        // the caller read the value before this call, out of sight: an invalidation between its read
        // and this stamp is not seen (see putLoaded's Javadoc)
        long stamp = chain.stamp(key);
        Entry<V> pending = loads.pending(key);
        if (pending != null) {
            // an unflushed write is newer than what the caller loaded
            chain.installLoaded(key, pending, stamp);
        } else {
            loads.storeLoaded(key, value, stamp);
        }
    }

    @Override
    public void putNegative(K key) {
        Objects.requireNonNull(key, "key cannot be null");
        checkOpen();
        if (entries.cachesAbsence()) {
            chain.put(key, entries.create(null, versions.next()));
        } else {
            chain.invalidate(key);
        }
        announce(key);
        metrics.put();
    }

    @Override
    public void invalidate(K key) {
        Objects.requireNonNull(key, "key cannot be null");
        invalidateHere(key, true);
        announce(key);
    }

    /**
     * Drops {@code key} from every tier ({@code allTiers}) or from L1 only (another member changed
     * it), and makes every load, promotion and refresh of it under way here drop what it read.
     */
    private void invalidateHere(K key, boolean allTiers) {
        if (allTiers) {
            chain.invalidate(key);
        } else {
            chain.invalidateLocal(key);
        }
        LoadCoordinator<K, V> l = loads;
        if (l != null) { // null only while the constructor runs
            l.forget(key);
        }
    }

    /** Clears L1 (a gap in a channel): no load under way here installs what it read. */
    private void invalidateAllHere() {
        chain.invalidateAllLocal();
        LoadCoordinator<K, V> l = loads;
        if (l != null) {
            l.forgetAll();
        }
    }

    @Override
    public void invalidateAll() {
        chain.invalidateAll();
        loads.forgetAll();
        if (invalidations != null) {
            invalidations.sendAll();
        }
    }

    /** Tells the other members to drop {@code key} from their L1. */
    private void announce(K key) {
        if (invalidations != null) {
            invalidations.send(config.keyCodec().encode(key));
        }
    }

    private String keyString(K key) {
        return new String(config.keyCodec().encode(key), StandardCharsets.UTF_8);
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cache " + name + " is closed");
        }
    }

    private void payTierDebts() {
        try {
            chain.payDebts();
        } catch (Throwable ex) { // the periodic task must survive any tier failure (see Failures)
            Failures.rethrowIfFatal(ex);
            LOG.debug("cache {}: paying tier debt failed: {}", name, ex.toString());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writeBehind != null) {
                writeBehind.close(); // may throw WriteBehindBacklogException: the rest still closes
            }
        } finally {
            if (notifyListener != null) {
                notifyListener.close();
            }
            if (invalidations != null) {
                invalidations.close();
            }
            if (coordinator != null) {
                coordinator.close();
            }
            scheduler.shutdownNow();
            refresher.close();
            chain.close();
        }
    }

    // ---- for tests in this module ------------------------------------------------------------

    public @Nullable InvalidationChannel invalidationChannel() {
        return invalidations;
    }

    public List<TierStore<K, V>> tiers() {
        return chain.all();
    }

    public @Nullable WriteBehindQueue<K, V> writeBehindQueue() {
        return writeBehind;
    }
}
