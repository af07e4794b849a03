package io.strata.cache.internal;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** Makes entries: times from the cache's clock, TTLs jittered, negative entries with their own TTL. */
public final class EntryFactory<K, V> {

    private final CacheConfig<K, V> config;
    private final Clock clock;

    public EntryFactory(CacheConfig<K, V> config) {
        this.config = config;
        this.clock = config.clock();
    }

    /** An entry for {@code value} ({@code null}: a negative entry) written now with {@code version}. */
    public Entry<V> create(@Nullable V value, long version) {
        long now = clock.millis();
        long ttl = jitter((value == null ? config.negativeTtl() : config.expireAfterWrite()).toMillis());
        long fresh = now + Math.max(1, ttl);
        long stale =
                value == null ? fresh : fresh + config.staleWhileRevalidate().toMillis();
        return new Entry<>(value, version, now, fresh, stale);
    }

    /** A queued write-behind entry turned into a cache entry with a fresh TTL and its own version. */
    public Entry<V> reissue(Entry<V> queued) {
        return create(queued.value(), queued.version());
    }

    /** Whether a load that found nothing should be cached. */
    public boolean cachesAbsence() {
        return !config.negativeTtl().isZero();
    }

    private long jitter(long ttlMillis) {
        double j = config.ttlJitter();
        return j == 0
                ? ttlMillis
                : (long) (ttlMillis * (1 - j * ThreadLocalRandom.current().nextDouble()));
    }
}
