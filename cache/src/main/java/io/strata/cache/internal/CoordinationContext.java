package io.strata.cache.internal;

/** What a coordination gets from its cache when it is opened. */
public record CoordinationContext<K, V>(CacheConfig<K, V> config, EntryCodec<V> entryCodec, CacheMetrics metrics) {

    public String cacheName() {
        return config.name();
    }
}
