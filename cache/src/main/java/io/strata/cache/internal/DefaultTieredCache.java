package io.strata.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Timer;
import io.strata.cache.CacheException;
import io.strata.cache.Store;
import io.strata.cache.TieredCache;
import io.strata.cache.WriteStrategy;
import io.strata.cache.internal.postgres.PgNotifyListener;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TieredCache}: the read path (tiers in order, promotion, stale-while-revalidate,
 * refresh-ahead, single-flight loads with an optional cluster lease) and the write path (the
 * strategy, the tiers from the farthest to the nearest, then an invalidation to other members).
 *
 * <p>Concurrency: loads of one key in this JVM share one future ({@code flights}); a load stores
 * its result with put-if-absent so that it never overwrites a newer put that raced it; puts and
 * refreshes overwrite. Background refreshes of one key run at most once at a time here
 * ({@code refreshing}) and once cluster-wide (a lease that is left to expire, not released, so a
 * member that still holds the old copy does not refresh again right after).
 */
public final class DefaultTieredCache<K, V> implements TieredCache<K, V> {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultTieredCache.class);

  private final CacheConfig<K, V> config;
  private final String name;
  private final Clock clock;
  private final CacheMetrics metrics;
  private final List<TierStore<K, V>> tiers;
  private final CaffeineTierStore<K, V> local;
  private final List<GuardedTier<K, V>> remotes = new ArrayList<>();
  private final Coordinator<K, V> coordinator;
  private final InvalidationChannel invalidations;
  private final WriteBehindQueue<K, V> writeBehind;
  private final PgNotifyListener notifyListener;
  private final Store<K, V> store;
  private final WriteStrategy.Kind kind;
  private final VersionClock versions;
  private final boolean leaseEnabled;
  private final long refreshAfterMillis;
  private final boolean timeChecksOnL1Hit;
  private final ConcurrentHashMap<K, CompletableFuture<Entry<V>>> flights = new ConcurrentHashMap<>();
  private final Set<K> refreshing = ConcurrentHashMap.newKeySet();
  private final ExecutorService background;
  private final ScheduledExecutorService scheduler;
  private volatile boolean closed;

  public DefaultTieredCache(CacheConfig<K, V> config, List<TierStore<K, V>> opened, Coordinator<K, V> coordinator,
      CacheMetrics metrics) {
    this.config = config;
    this.name = config.name();
    this.clock = config.clock();
    this.metrics = metrics;
    this.store = config.store();
    this.kind = config.writeStrategy().kind();
    this.versions = new VersionClock(clock);
    this.refreshAfterMillis = config.refreshAfter() == null ? -1 : config.refreshAfter().toMillis();
    this.timeChecksOnL1Hit = refreshAfterMillis >= 0 || !config.staleWhileRevalidate().isZero();
    List<TierStore<K, V>> list = new ArrayList<>();
    CaffeineTierStore<K, V> l1 = null;
    for (TierStore<K, V> t : opened) {
      if (t instanceof CaffeineTierStore<K, V> c) {
        l1 = c;
        list.add(c);
      } else {
        CircuitBreaker breaker = CircuitBreaker.of(name + "." + t.name(), config.circuitBreaker());
        GuardedTier<K, V> g = new GuardedTier<>(t, breaker, metrics);
        remotes.add(g);
        list.add(g);
      }
    }
    this.tiers = List.copyOf(list);
    this.local = l1;
    this.coordinator = coordinator;
    this.leaseEnabled = coordinator != null && !remotes.isEmpty() && !config.clusterLease().isZero();
    AtomicInteger threads = new AtomicInteger();
    this.background = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "strata-cache-" + name + "-refresh-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "strata-cache-" + name + "-scheduler");
      t.setDaemon(true);
      return t;
    });
    if (!remotes.isEmpty()) {
      scheduler.scheduleWithFixedDelay(this::payTierDebts, 1, 1, TimeUnit.SECONDS);
    }
    if (coordinator != null && local != null) {
      this.invalidations = new InvalidationChannel(name, coordinator.invalidationTransport(), clock,
          config.invalidationHeartbeat(), metrics);
      invalidations.start(this::invalidateLocalEncoded, local::invalidateAll, local::invalidateAll);
    } else {
      this.invalidations = null;
    }
    if (kind == WriteStrategy.Kind.WRITE_BEHIND) {
      StoreBatchWriter<K, V> writer = new StoreBatchWriter<>(name, store, config.writeStrategy(), metrics, clock);
      this.writeBehind = coordinator.openWriteBehind(writer);
      metrics.gauge("strata.cache.writebehind.depth", writeBehind::depth);
    } else {
      this.writeBehind = null;
    }
    if (config.notifyDataSource() != null) {
      this.notifyListener = new PgNotifyListener(config.notifyDataSource(), config.notifyChannel(), name,
          this::invalidateNotified, () -> {
            if (local != null) {
              local.invalidateAll();
            }
          });
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
  public V get(K key) {
    return get(key, this::loadFromStore);
  }

  private V loadFromStore(K key) {
    if (store == null) {
      throw new IllegalStateException("cache " + name + " has no store: use get(key, loader)");
    }
    return store.load(key);
  }

  @Override
  public V get(K key, Function<? super K, ? extends V> loader) {
    Objects.requireNonNull(key, "key cannot be null");
    Objects.requireNonNull(loader, "loader cannot be null");
    Entry<V> e = lookup(key, loader);
    if (e != null) {
      return e.value();
    }
    return load(key, loader).value();
  }

  @Override
  public V getIfPresent(K key) {
    Objects.requireNonNull(key, "key cannot be null");
    Entry<V> e = lookup(key, store == null ? null : this::loadFromStore);
    return e == null ? null : e.value();
  }

  /** The first live entry in the tiers, promoted into the tiers above it; refreshes scheduled. */
  private Entry<V> lookup(K key, Function<? super K, ? extends V> loader) {
    int start = 0;
    if (local != null && !timeChecksOnL1Hit) {
      // L1 entries expire physically no later than their staleUntil, which without a stale window
      // is their freshUntil: an L1 hit is fresh, and with no refresh-ahead nothing else to check
      Entry<V> e = local.get(key);
      if (e != null) {
        return e;
      }
      start = 1;
    }
    for (int i = start; i < tiers.size(); i++) {
      Entry<V> e = tiers.get(i).get(key);
      if (e == null) {
        continue;
      }
      long now = clock.millis();
      if (e.fresh(now)) {
        if (i > 0) {
          promote(key, e, i);
        }
        if (refreshAfterMillis >= 0 && loader != null && now - e.createdAt() >= refreshAfterMillis) {
          scheduleRefresh(key, e, loader);
        }
        return e;
      }
      if (e.alive(now)) {
        if (i > 0) {
          promote(key, e, i);
        }
        if (loader != null) {
          scheduleRefresh(key, e, loader);
        }
        return e;
      }
    }
    return null;
  }

  private void promote(K key, Entry<V> e, int foundAt) {
    for (int j = foundAt - 1; j >= 0; j--) {
      TierStore<K, V> t = tiers.get(j);
      if (t.remote()) {
        t.putIfAbsent(key, e);
      } else {
        t.put(key, e);
      }
    }
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
  public Map<K, V> getAll(Collection<? extends K> keys,
      Function<? super Set<K>, ? extends Map<? extends K, ? extends V>> loader) {
    Objects.requireNonNull(keys, "keys cannot be null");
    Objects.requireNonNull(loader, "loader cannot be null");
    Set<K> missing = new LinkedHashSet<>(keys);
    Map<K, Entry<V>> found = new HashMap<>();
    for (int i = 0; i < tiers.size() && !missing.isEmpty(); i++) {
      Map<K, Entry<V>> hits = tiers.get(i).getAll(missing);
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
          promote(key, e, i);
        }
        if (!e.fresh(now) || (refreshAfterMillis >= 0 && now - e.createdAt() >= refreshAfterMillis)) {
          scheduleRefresh(key, e, k -> {
            Map<? extends K, ? extends V> m = loader.apply(Set.of(k));
            return m.get(k);
          });
        }
      }
    }
    if (!missing.isEmpty()) {
      if (writeBehind != null) {
        Map<K, Entry<V>> pending = writeBehind.pendingAll(missing);
        for (Map.Entry<K, Entry<V>> p : pending.entrySet()) {
          Entry<V> e = reissue(p.getValue());
          storeLoaded(p.getKey(), e);
          found.put(p.getKey(), e);
          missing.remove(p.getKey());
        }
      }
    }
    if (!missing.isEmpty()) {
      Timer.Sample sample = metrics.startLoad();
      Map<? extends K, ? extends V> loaded;
      try {
        loaded = loader.apply(Set.copyOf(missing));
        metrics.load(sample, "success");
      } catch (RuntimeException ex) {
        metrics.load(sample, "failure");
        throw new CacheException("cache " + name + ": bulk load of " + missing.size() + " keys failed", ex);
      }
      for (K key : missing) {
        V v = loaded == null ? null : loaded.get(key);
        Entry<V> e = newEntry(v, 0);
        if (v != null || !config.negativeTtl().isZero()) {
          storeLoaded(key, e);
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

  // ---- loads -------------------------------------------------------------------------------

  private Entry<V> load(K key, Function<? super K, ? extends V> loader) {
    CompletableFuture<Entry<V>> mine = new CompletableFuture<>();
    CompletableFuture<Entry<V>> theirs = flights.putIfAbsent(key, mine);
    if (theirs != null) {
      return join(key, theirs);
    }
    try {
      Entry<V> e = leaseEnabled ? loadUnderLease(key, loader) : loadAndStore(key, loader);
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
      Throwable cause = ex.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new CacheException("cache " + name + ": load of " + key + " failed", cause);
    }
  }

  /**
   * One load cluster-wide: the lease holder loads (after checking that nobody stored the value
   * meanwhile); the others poll the shared tiers until the value appears or the lease could have
   * expired twice, and then load themselves rather than wait forever.
   */
  private Entry<V> loadUnderLease(K key, Function<? super K, ? extends V> loader) {
    String leaseName = "load:" + keyString(key);
    LoadLease lease = coordinator.lease();
    Duration hold = config.clusterLease();
    long deadline = System.nanoTime() + 2 * hold.toNanos();
    long pauseMillis = 2;
    boolean waited = false;
    while (true) {
      boolean acquired;
      try {
        acquired = lease.tryAcquire(leaseName, hold);
      } catch (RuntimeException ex) {
        LOG.debug("cache {}: lease service down, loading without it: {}", name, ex.toString());
        return loadAndStore(key, loader);
      }
      if (acquired) {
        try {
          Entry<V> shared = sharedLookup(key);
          if (shared != null) {
            return shared;
          }
          return loadAndStore(key, loader);
        } finally {
          try {
            lease.release(leaseName);
          } catch (RuntimeException ex) {
            LOG.debug("cache {}: lease release failed (it will expire): {}", name, ex.toString());
          }
        }
      }
      if (!waited) {
        metrics.leaseWait();
        waited = true;
      }
      sleep(ThreadLocalRandom.current().nextLong(pauseMillis, pauseMillis * 2 + 1));
      pauseMillis = Math.min(50, pauseMillis * 2);
      Entry<V> shared = sharedLookup(key);
      if (shared != null) {
        return shared;
      }
      if (System.nanoTime() - deadline > 0) {
        return loadAndStore(key, loader);
      }
    }
  }

  /** A fresh entry from the shared (remote) tiers, promoted into the tiers above it. */
  private Entry<V> sharedLookup(K key) {
    long now = clock.millis();
    for (int i = 0; i < tiers.size(); i++) {
      TierStore<K, V> t = tiers.get(i);
      if (!t.remote()) {
        continue;
      }
      Entry<V> e = t.get(key);
      if (e != null && e.fresh(now)) {
        promote(key, e, i);
        return e;
      }
    }
    return null;
  }

  private Entry<V> loadAndStore(K key, Function<? super K, ? extends V> loader) {
    if (writeBehind != null) {
      Entry<V> pending = writeBehind.pending(key);
      if (pending != null) {
        Entry<V> e = reissue(pending);
        storeLoaded(key, e);
        return e;
      }
    }
    V value = callLoader(key, loader);
    Entry<V> e = newEntry(value, 0);
    if (value != null || !config.negativeTtl().isZero()) {
      storeLoaded(key, e);
    }
    return e;
  }

  private V callLoader(K key, Function<? super K, ? extends V> loader) {
    Timer.Sample sample = metrics.startLoad();
    try {
      V value = loader.apply(key);
      metrics.load(sample, "success");
      return value;
    } catch (RuntimeException ex) {
      metrics.load(sample, "failure");
      throw new CacheException("cache " + name + ": load of " + key + " failed", ex);
    }
  }

  /** Stores a loaded entry without overwriting anything newer a racing put stored. */
  private void storeLoaded(K key, Entry<V> e) {
    for (int i = tiers.size() - 1; i >= 0; i--) {
      tiers.get(i).putIfAbsent(key, e);
    }
  }

  // ---- refresh -----------------------------------------------------------------------------

  private void scheduleRefresh(K key, Entry<V> current, Function<? super K, ? extends V> loader) {
    if (closed || !refreshing.add(key)) {
      return;
    }
    try {
      background.execute(() -> {
        try {
          refreshNow(key, current, loader, true);
        } catch (RuntimeException ex) {
          LOG.debug("cache {}: refresh of {} failed, keeping the old value: {}", name, key, ex.toString());
        } finally {
          refreshing.remove(key);
        }
      });
    } catch (RuntimeException rejected) {
      refreshing.remove(key);
    }
  }

  private Entry<V> refreshNow(K key, Entry<V> current, Function<? super K, ? extends V> loader, boolean once) {
    if (once && leaseEnabled) {
      boolean acquired;
      try {
        acquired = coordinator.lease().tryAcquire("refresh:" + keyString(key), refreshLeaseTime());
      } catch (RuntimeException ex) {
        acquired = true; // the lease service is down: refreshing here too is the lesser harm
      }
      if (!acquired) {
        return current;
      }
      Entry<V> shared = sharedLookup(key);
      if (shared != null && current != null && shared.createdAt() > current.createdAt()) {
        return shared; // another member refreshed it already; promoted into L1 above
      }
    }
    V value;
    try {
      if (writeBehind != null) {
        Entry<V> pending = writeBehind.pending(key);
        if (pending != null) {
          Entry<V> e = reissue(pending);
          writeTiers(key, e);
          metrics.refresh("success");
          return e;
        }
      }
      value = callLoader(key, loader);
    } catch (RuntimeException ex) {
      metrics.refresh("failure");
      throw ex;
    }
    Entry<V> e = newEntry(value, 0);
    if (value == null && config.negativeTtl().isZero()) {
      invalidateTiers(key);
    } else {
      writeTiers(key, e);
    }
    if (invalidations != null) {
      invalidations.send(encodeKey(key));
    }
    metrics.refresh("success");
    return e;
  }

  private Duration refreshLeaseTime() {
    Duration r = config.refreshAfter() != null ? config.refreshAfter() : config.clusterLease();
    return r.compareTo(config.clusterLease()) < 0 ? r : config.clusterLease();
  }

  @Override
  public CompletableFuture<V> refresh(K key) {
    Objects.requireNonNull(key, "key cannot be null");
    checkOpen();
    return CompletableFuture.supplyAsync(() -> refreshNow(key, null, this::loadFromStore, false).value(), background);
  }

  // ---- writes ------------------------------------------------------------------------------

  @Override
  public void put(K key, V value) {
    Objects.requireNonNull(key, "key cannot be null");
    Objects.requireNonNull(value, "value cannot be null");
    checkOpen();
    long version = versions.next();
    Entry<V> e = newEntry(value, version);
    switch (kind) {
      case WRITE_THROUGH -> {
        try {
          store.write(key, value, version);
        } catch (RuntimeException ex) {
          throw new CacheException("cache " + name + ": store write of " + key + " failed, cache unchanged", ex);
        }
      }
      case WRITE_BEHIND -> {
        try {
          writeBehind.enqueue(key, e);
        } catch (RuntimeException ex) {
          throw new CacheException("cache " + name + ": write-behind enqueue of " + key + " failed, not acknowledged", ex);
        }
      }
      default -> {
      }
    }
    writeTiers(key, e);
    if (invalidations != null) {
      invalidations.send(encodeKey(key));
    }
    metrics.put();
  }

  private void writeTiers(K key, Entry<V> e) {
    for (int i = tiers.size() - 1; i >= 0; i--) {
      tiers.get(i).put(key, e);
    }
  }

  private void invalidateTiers(K key) {
    for (int i = tiers.size() - 1; i >= 0; i--) {
      tiers.get(i).invalidate(key);
    }
  }

  @Override
  public void invalidate(K key) {
    Objects.requireNonNull(key, "key cannot be null");
    invalidateTiers(key);
    if (invalidations != null) {
      invalidations.send(encodeKey(key));
    }
  }

  @Override
  public void invalidateAll() {
    for (int i = tiers.size() - 1; i >= 0; i--) {
      tiers.get(i).invalidateAll();
    }
    if (invalidations != null) {
      invalidations.sendAll();
    }
  }

  private void invalidateLocalEncoded(byte[] encodedKey) {
    local.invalidate(config.keyCodec().decode(encodedKey));
  }

  private void invalidateNotified(byte[] encodedKey) {
    K key = config.keyCodec().decode(encodedKey);
    invalidateTiers(key);
  }

  // ---- entries and keys --------------------------------------------------------------------

  private Entry<V> newEntry(V value, long version) {
    long now = clock.millis();
    Duration ttl = value == null ? config.negativeTtl() : config.expireAfterWrite();
    long ttlMillis = jitter(ttl.toMillis());
    long fresh = now + Math.max(1, ttlMillis);
    long stale = value == null ? fresh : fresh + config.staleWhileRevalidate().toMillis();
    return new Entry<>(value, version, now, fresh, stale);
  }

  /** A queued write turned into a cache entry with a fresh TTL. */
  private Entry<V> reissue(Entry<V> queued) {
    Entry<V> e = newEntry(queued.value(), queued.version());
    return e;
  }

  private long jitter(long ttlMillis) {
    double j = config.ttlJitter();
    return j == 0 ? ttlMillis : (long) (ttlMillis * (1 - j * ThreadLocalRandom.current().nextDouble()));
  }

  private byte[] encodeKey(K key) {
    return config.keyCodec().encode(key);
  }

  private String keyString(K key) {
    return new String(encodeKey(key), java.nio.charset.StandardCharsets.UTF_8);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("cache " + name + " is closed");
    }
  }

  private void payTierDebts() {
    for (GuardedTier<K, V> g : remotes) {
      if (g.inDebt()) {
        try {
          g.payDebt();
        } catch (RuntimeException ex) {
          LOG.debug("cache {}: paying tier debt failed: {}", name, ex.toString());
        }
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException("interrupted");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (writeBehind != null) {
      writeBehind.close();
    }
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
    background.shutdownNow();
    for (TierStore<K, V> t : tiers) {
      t.close();
    }
  }

  // ---- for tests in this package -----------------------------------------------------------

  public InvalidationChannel invalidationChannel() {
    return invalidations;
  }

  public List<TierStore<K, V>> tiers() {
    return tiers;
  }

  public WriteBehindQueue<K, V> writeBehindQueue() {
    return writeBehind;
  }
}
