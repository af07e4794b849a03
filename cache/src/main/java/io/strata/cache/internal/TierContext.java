package io.strata.cache.internal;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;

/** What a tier gets from its cache when it is opened. */
public final class TierContext<K, V> {

    private final CacheConfig<K, V> config;
    private final EntryCodec<V> entryCodec;
    private final CacheMetrics metrics;
    private final MeterRegistry registry;
    private final boolean metricsRequested;

    public TierContext(
            CacheConfig<K, V> config, EntryCodec<V> entryCodec, CacheMetrics metrics, MeterRegistry registry) {
        this(config, entryCodec, metrics, registry, true);
    }

    /**
     * @param metricsRequested whether the user gave the cache a registry; tiers skip bookkeeping
     *     that only feeds meters (Caffeine's stats) when nobody collects them
     */
    public TierContext(
            CacheConfig<K, V> config,
            EntryCodec<V> entryCodec,
            CacheMetrics metrics,
            MeterRegistry registry,
            boolean metricsRequested) {
        this.config = config;
        this.entryCodec = entryCodec;
        this.metrics = metrics;
        this.registry = registry;
        this.metricsRequested = metricsRequested;
    }

    /** Whether the cache was built with a {@code MeterRegistry} of the user's. */
    public boolean metricsRequested() {
        return metricsRequested;
    }

    public String cacheName() {
        return config.name();
    }

    public CacheConfig<K, V> config() {
        return config;
    }

    public EntryCodec<V> entryCodec() {
        return entryCodec;
    }

    public CacheMetrics metrics() {
        return metrics;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The key as the remote tiers name it: its codec's bytes read as UTF-8 (JSON by default). */
    public String keyString(K key) {
        return new String(config.keyCodec().encode(key), StandardCharsets.UTF_8);
    }

    public K key(String keyString) {
        return config.keyCodec().decode(keyString.getBytes(StandardCharsets.UTF_8));
    }
}
