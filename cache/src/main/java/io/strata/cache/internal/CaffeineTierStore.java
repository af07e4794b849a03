package io.strata.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.Weigher;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * L1: a Caffeine cache of entries with a fixed time-to-live (the tier's own), on the cache's clock,
 * so a fake clock drives expiry in tests. Gets, hits and evictions are counted by Caffeine and
 * published by Micrometer's {@link CaffeineCacheMetrics}.
 *
 * <p>Invariant: L1 never serves an entry past its {@code staleUntil}. Two ways, chosen once:
 *
 * <ul>
 *   <li>The L1 TTL is shorter than the shortest life the cache gives a value (its TTL less the
 *       jitter): most entries outlive the L1 TTL, so Caffeine's fixed expiry alone keeps the
 *       invariant and a hit costs no clock read of ours. An entry with less life left (a negative
 *       entry, one promoted from a remote tier near its end) is stored wrapped as
 *       {@link ShortLived} and its time is checked on each read; cheaper than per-entry expiry.
 *   <li>Otherwise (an L1 TTL equal to the cache TTL, say) nearly every entry would be short-lived,
 *       and every hit would read the clock: then L1 uses Caffeine's per-entry expiry
 *       ({@link EntryLife}), each entry living {@code min(L1 TTL, its own life)}, and hits read no
 *       clock of ours either.
 * </ul>
 */
public final class CaffeineTierStore<K, V> implements TierStore<K, V> {

    /** An entry that dies before the L1 TTL: checked against the clock when read. */
    private record ShortLived<V>(Entry<V> entry) {}

    private final Cache<K, Object> cache;
    private final Clock clock;
    private final long ttlMillis;
    /** Per-entry expiry ({@link EntryLife}) instead of the fixed TTL and {@link ShortLived} checks. */
    private final boolean exact;

    public CaffeineTierStore(
            TierContext<K, V> context,
            long maximumSize,
            long maximumWeight,
            @Nullable Weigher<Object, Object> weigher,
            Duration expireAfterWrite) {
        this.clock = context.config().clock();
        this.ttlMillis = expireAfterWrite.toMillis();
        this.exact = ttlMillis >= shortestLife(context.config());
        Caffeine<Object, Object> builder = Caffeine.newBuilder().ticker(ticker(clock));
        if (exact) {
            builder.expireAfter(new EntryLife());
        } else {
            builder.expireAfterWrite(expireAfterWrite);
        }
        if (context.metricsRequested()) {
            // Stats cost every hit a few contended counter updates; pay them only when meters are read.
            builder.recordStats();
        }
        if (maximumWeight > 0) {
            // LocalTier sets a weigher whenever it sets maximumWeight
            Weigher<Object, Object> w = Objects.requireNonNull(weigher, "maximumWeight needs a weigher");
            builder.maximumWeight(maximumWeight).weigher((Object k, Object v) -> {
                Object value = unwrap(v).value();
                return value == null ? 1 : w.weigh(k, value); // a negative entry weighs 1
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

    /**
     * The shortest life (to {@code staleUntil}) a freshly put or loaded value can get: the cache TTL
     * less its whole jitter, plus the stale window. Negative entries (their own TTL) are left out.
     */
    private static long shortestLife(CacheConfig<?, ?> config) {
        return (long) (config.expireAfterWrite().toMillis() * (1 - config.ttlJitter()))
                + config.staleWhileRevalidate().toMillis();
    }

    /**
     * Each entry's own life in L1: the tier TTL or what is left of the entry's life, whichever is
     * shorter. Hits cost Caffeine's own expiry check only; the clock is read on writes.
     */
    private final class EntryLife implements Expiry<Object, Object> {
        @Override
        public long expireAfterCreate(Object key, Object value, long currentTime) {
            long left = unwrap(value).staleUntil() - clock.millis();
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, Math.min(ttlMillis, left)));
        }

        @Override
        public long expireAfterUpdate(Object key, Object value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(Object key, Object value, long currentTime, long currentDuration) {
            return currentDuration;
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
        return exact || entry.staleUntil() - clock.millis() >= ttlMillis ? entry : new ShortLived<>(entry);
    }

    /** The entry if it is still alive; a dead short-lived one is removed. */
    @SuppressWarnings("unchecked")
    private @Nullable Entry<V> live(K key, @Nullable Object stored) {
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
    public @Nullable Entry<V> get(K key) {
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

    /**
     * Stores {@code entry} unless L1 holds a live entry with a higher version (a newer put that
     * raced this one): compare-and-set on {@code asMap()}, so no write resets the life of the entry
     * it keeps.
     */
    @Override
    public void put(K key, Entry<V> entry) {
        Object wrapped = wrap(entry);
        ConcurrentMap<K, Object> map = cache.asMap();
        while (true) {
            Object old = map.get(key);
            if (old == null) {
                if (map.putIfAbsent(key, wrapped) == null) {
                    return;
                }
                continue;
            }
            Entry<V> current = unwrap(old);
            if (current.version() > entry.version() && current.alive(clock.millis())) {
                return;
            }
            if (map.replace(key, old, wrapped)) {
                return;
            }
        }
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
