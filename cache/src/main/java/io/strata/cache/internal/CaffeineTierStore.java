package io.strata.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.Weigher;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * L1: a Caffeine cache of entries with a fixed time-to-live (the tier's own), on the cache's clock,
 * so a fake clock drives expiry in tests. Gets, hits and evictions are counted by Caffeine and
 * published by Micrometer's {@link CaffeineCacheMetrics}.
 *
 * <p>Invariant: L1 never serves an entry past its {@code staleUntil}. Most entries outlive the
 * L1 TTL (the cache TTL is longer), so Caffeine's expiry alone keeps the invariant and a hit costs
 * no clock read. An entry with less life left than the L1 TTL (a negative entry, one promoted from
 * a remote tier near its end) is stored wrapped as {@link ShortLived} and its time is checked on
 * each read. This is cheaper than Caffeine's per-entry (variable) expiry on the hit path.
 */
public final class CaffeineTierStore<K, V> implements TierStore<K, V> {

    /** An entry that dies before the L1 TTL: checked against the clock when read. */
    private record ShortLived<V>(Entry<V> entry) {}

    private final Cache<K, Object> cache;
    private final Clock clock;
    private final long ttlMillis;

    public CaffeineTierStore(
            TierContext<K, V> context,
            long maximumSize,
            long maximumWeight,
            Weigher<Object, Object> weigher,
            Duration expireAfterWrite) {
        this.clock = context.config().clock();
        this.ttlMillis = expireAfterWrite.toMillis();
        Caffeine<Object, Object> builder =
                Caffeine.newBuilder().ticker(ticker(clock)).expireAfterWrite(expireAfterWrite);
        if (context.metricsRequested()) {
            // Stats cost every hit a few contended counter updates; pay them only when meters are read.
            builder.recordStats();
        }
        if (maximumWeight > 0) {
            builder.maximumWeight(maximumWeight).weigher((Object k, Object v) -> {
                Object value = unwrap(v).value();
                return value == null ? 1 : weigher.weigh(k, value); // a negative entry weighs 1
            });
        } else {
            builder.maximumSize(maximumSize);
        }
        this.cache = builder.build();
        if (context.metricsRequested()) {
            // Micrometer's standard cache meters with only the standard {cache} tag: every cache.* meter
            // in an application (Spring Boot's, the router's plan cache) must carry the same tag keys,
            // or Prometheus rejects all but the first set. Only L1 is Caffeine, so no tier tag is needed.
            CaffeineCacheMetrics.monitor(context.registry(), cache, context.cacheName());
        }
    }

    private static Ticker ticker(Clock clock) {
        if (clock.equals(Clock.systemUTC())) {
            return Ticker.systemTicker();
        }
        return () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
    }

    @SuppressWarnings("unchecked")
    private static <V> Entry<V> unwrap(Object stored) {
        return stored instanceof ShortLived<?> s ? (Entry<V>) s.entry() : (Entry<V>) stored;
    }

    private Object wrap(Entry<V> entry) {
        return entry.staleUntil() - clock.millis() >= ttlMillis ? entry : new ShortLived<>(entry);
    }

    /** The entry if it is still alive; a dead short-lived one is removed. */
    @SuppressWarnings("unchecked")
    private Entry<V> live(K key, Object stored) {
        if (stored == null) {
            return null;
        }
        if (!(stored instanceof ShortLived<?> s)) {
            return (Entry<V>) stored;
        }
        Entry<V> e = (Entry<V>) s.entry();
        if (e.alive(clock.millis())) {
            return e;
        }
        cache.asMap().remove(key, stored);
        return null;
    }

    @Override
    public String name() {
        return "caffeine";
    }

    @Override
    public boolean remote() {
        return false;
    }

    @Override
    public Entry<V> get(K key) {
        return live(key, cache.getIfPresent(key));
    }

    @Override
    public Map<K, Entry<V>> getAll(Collection<K> keys) {
        Map<K, Entry<V>> result = new HashMap<>();
        cache.getAllPresent(keys).forEach((k, stored) -> {
            Entry<V> e = live(k, stored);
            if (e != null) {
                result.put(k, e);
            }
        });
        return result;
    }

    @Override
    public void put(K key, Entry<V> entry) {
        cache.put(key, wrap(entry));
    }

    @Override
    public void putIfAbsent(K key, Entry<V> entry) {
        Object wrapped = wrap(entry);
        Object old = cache.asMap().putIfAbsent(key, wrapped);
        if (old != null && !unwrap(old).alive(clock.millis())) {
            cache.asMap().replace(key, old, wrapped);
        }
    }

    @Override
    public void invalidate(K key) {
        cache.invalidate(key);
    }

    @Override
    public void invalidateAll() {
        cache.invalidateAll();
    }

    /** Caffeine's own view, for tests. */
    public Cache<K, Object> caffeine() {
        return cache;
    }
}
