package io.strata.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.strata.cache.Codec;
import io.strata.cache.Store;
import io.strata.cache.WriteStrategy;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** The sealed configuration of one cache, copied out of the builder. */
public record CacheConfig<K, V>(
        String name,
        Codec<K> keyCodec,
        Codec<V> valueCodec,
        @Nullable Store<K, V> store,
        WriteStrategy writeStrategy,
        Duration expireAfterWrite,
        double ttlJitter,
        Duration negativeTtl,
        Duration staleWhileRevalidate,
        @Nullable Duration refreshAfter,
        Duration clusterLease,
        Duration tierTimeout,
        CircuitBreakerConfig circuitBreaker,
        Clock clock,
        Duration invalidationHeartbeat,
        @Nullable DataSource notifyDataSource,
        @Nullable String notifyChannel) {}
