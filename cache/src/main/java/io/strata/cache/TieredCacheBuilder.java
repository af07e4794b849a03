package io.strata.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.strata.cache.internal.CacheConfig;
import io.strata.cache.internal.CacheMetrics;
import io.strata.cache.internal.CoordinationContext;
import io.strata.cache.internal.Coordinator;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.cache.internal.EntryCodec;
import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link TieredCache}. Every setter checks its argument; {@link #build()} checks the
 * combination (write-through and write-behind need a store, write-behind needs a coordination, the
 * local tier comes first) and copies the configuration, so the builder can be reused.
 *
 * <p>Defaults: cache-aside, 10 minute TTL with 10% jitter, negative entries for 30 s, no
 * stale-while-revalidate, no refresh-ahead, a cluster load lease of 10 s when a coordination and a
 * remote tier are present, 500 ms per remote tier call, a circuit breaker per remote tier, JSON
 * codecs, the system UTC clock and a no-op meter registry.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class TieredCacheBuilder<K, V> {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    private final String name;
    private final Class<K> keyType;
    private final Class<V> valueType;
    private final List<Tier> tiers = new ArrayList<>();
    private @Nullable Store<K, V> store;
    private WriteStrategy writeStrategy = WriteStrategy.cacheAside();
    private @Nullable Coordination coordination;
    private Duration expireAfterWrite = Duration.ofMinutes(10);
    private double ttlJitter = 0.1;
    private Duration negativeTtl = Duration.ofSeconds(30);
    private Duration staleWhileRevalidate = Duration.ZERO;
    private @Nullable Duration refreshAfter;
    private Duration clusterLease = Duration.ofSeconds(10);
    private @Nullable Codec<K> keyCodec;
    private @Nullable Codec<V> valueCodec;
    private Duration tierTimeout = Duration.ofMillis(500);
    private @Nullable CircuitBreakerConfig circuitBreaker;
    private @Nullable MeterRegistry meterRegistry;
    private Clock clock = Clock.systemUTC();
    private Duration invalidationHeartbeat = Duration.ofSeconds(1);
    private @Nullable DataSource notifyDataSource;
    private @Nullable String notifyChannel;

    TieredCacheBuilder(String name, Class<K> keyType, Class<V> valueType) {
        Objects.requireNonNull(name, "name cannot be null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must match " + NAME + ", was '" + name + "'");
        }
        this.name = name;
        this.keyType = Objects.requireNonNull(keyType, "keyType cannot be null");
        this.valueType = Objects.requireNonNull(valueType, "valueType cannot be null");
    }

    /** Adds the next tier, nearest first: {@link LocalTier}, then {@link HazelcastTier} and/or {@link RedisTier}. */
    public TieredCacheBuilder<K, V> tier(Tier tier) {
        Objects.requireNonNull(tier, "tier cannot be null");
        if (tier instanceof LocalTier && !tiers.isEmpty()) {
            throw new IllegalArgumentException("tier: the local tier must be the first, was added after " + tiers);
        }
        for (Tier t : tiers) {
            if (t.name().equals(tier.name())) {
                throw new IllegalArgumentException("tier: a " + tier.name() + " tier was already added");
            }
        }
        tiers.add(tier);
        return this;
    }

    /** The source of truth the cache loads from and writes to. */
    public TieredCacheBuilder<K, V> store(Store<K, V> store) {
        this.store = Objects.requireNonNull(store, "store cannot be null");
        return this;
    }

    /** How puts reach the store; cache-aside by default. */
    public TieredCacheBuilder<K, V> writeStrategy(WriteStrategy writeStrategy) {
        this.writeStrategy = Objects.requireNonNull(writeStrategy, "writeStrategy cannot be null");
        return this;
    }

    /** The members' shared channel for invalidations, load leases and the write-behind queue. */
    public TieredCacheBuilder<K, V> coordination(Coordination coordination) {
        this.coordination = Objects.requireNonNull(coordination, "coordination cannot be null");
        return this;
    }

    /** How long a loaded or put value is fresh (before jitter); the remote tiers' TTL. */
    public TieredCacheBuilder<K, V> expireAfterWrite(Duration expireAfterWrite) {
        this.expireAfterWrite = requirePositive(expireAfterWrite, "expireAfterWrite");
        return this;
    }

    /** Each TTL is shortened by a random fraction up to {@code jitter} (0 turns jitter off; default 0.1). */
    public TieredCacheBuilder<K, V> ttlJitter(double jitter) {
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("ttlJitter must be in [0, 1), was " + jitter);
        }
        this.ttlJitter = jitter;
        return this;
    }

    /** How long "no such key" is cached; {@link Duration#ZERO} turns negative caching off. */
    public TieredCacheBuilder<K, V> negativeTtl(Duration negativeTtl) {
        this.negativeTtl = requireNonNegative(negativeTtl, "negativeTtl");
        return this;
    }

    /** How long past its TTL an entry may still be served while one reload runs in the background. */
    public TieredCacheBuilder<K, V> staleWhileRevalidate(Duration window) {
        this.staleWhileRevalidate = requireNonNegative(window, "staleWhileRevalidate");
        return this;
    }

    /** An entry read this long after it was written is reloaded in the background, once cluster-wide. */
    public TieredCacheBuilder<K, V> refreshAfter(Duration refreshAfter) {
        this.refreshAfter = requirePositive(refreshAfter, "refreshAfter");
        return this;
    }

    /** Hold time of the cluster-wide load lease; {@link Duration#ZERO} turns the lease off (JVM single-flight stays). */
    public TieredCacheBuilder<K, V> clusterLease(Duration leaseTime) {
        this.clusterLease = requireNonNegative(leaseTime, "clusterLease");
        return this;
    }

    /** The key codec for remote keys and messages; JSON of the key type by default. */
    public TieredCacheBuilder<K, V> keyCodec(Codec<K> keyCodec) {
        this.keyCodec = Objects.requireNonNull(keyCodec, "keyCodec cannot be null");
        return this;
    }

    /** The value codec for remote tiers and queues; JSON of the value type by default. */
    public TieredCacheBuilder<K, V> codec(Codec<V> codec) {
        this.valueCodec = Objects.requireNonNull(codec, "codec cannot be null");
        return this;
    }

    /** The longest wait for one remote tier call before it counts as a failure (Hazelcast); default 500 ms. */
    public TieredCacheBuilder<K, V> tierTimeout(Duration tierTimeout) {
        this.tierTimeout = requirePositive(tierTimeout, "tierTimeout");
        return this;
    }

    /** The resilience4j circuit breaker settings used for each remote tier. */
    public TieredCacheBuilder<K, V> circuitBreaker(CircuitBreakerConfig config) {
        this.circuitBreaker = Objects.requireNonNull(config, "circuitBreaker cannot be null");
        return this;
    }

    /** Where metrics go; a no-op registry by default. */
    public TieredCacheBuilder<K, V> meterRegistry(MeterRegistry meterRegistry) {
        this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry cannot be null");
        return this;
    }

    /** The clock for TTLs, refresh and versions (tests pass a fake one). */
    public TieredCacheBuilder<K, V> clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        return this;
    }

    /**
     * How often each member announces its last invalidation sequence number: a receiver that sees
     * a gap, or hears nothing from a member for three intervals, clears its L1. Default 1 s.
     */
    public TieredCacheBuilder<K, V> invalidationHeartbeat(Duration interval) {
        this.invalidationHeartbeat = requirePositive(interval, "invalidationHeartbeat");
        return this;
    }

    /**
     * Also invalidates keys named by PostgreSQL {@code NOTIFY channel, '<json key>'} (for writes that
     * bypass the cache, e.g. from a trigger). Needs pgjdbc; one connection of {@code dataSource} is held.
     */
    public TieredCacheBuilder<K, V> invalidateOnNotify(DataSource dataSource, String channel) {
        this.notifyDataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
        Objects.requireNonNull(channel, "channel cannot be null");
        if (!channel.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("channel must be a lower-case SQL identifier, was '" + channel + "'");
        }
        this.notifyChannel = channel;
        return this;
    }

    /** Builds and starts the cache. Remote tiers that are down do not fail the build. */
    public TieredCache<K, V> build() {
        if (tiers.isEmpty()) {
            throw new IllegalStateException("tiers: at least one tier is needed");
        }
        WriteStrategy.Kind kind = writeStrategy.kind();
        if (kind != WriteStrategy.Kind.CACHE_ASIDE && store == null) {
            throw new IllegalStateException("store: " + kind + " needs a store");
        }
        if (kind == WriteStrategy.Kind.WRITE_BEHIND && coordination == null) {
            throw new IllegalStateException("coordination: WRITE_BEHIND needs a coordination for its durable queue");
        }
        if (refreshAfter != null && refreshAfter.compareTo(expireAfterWrite) >= 0) {
            throw new IllegalStateException(
                    "refreshAfter must be < expireAfterWrite, was " + refreshAfter + " >= " + expireAfterWrite);
        }
        Codec<K> kc = keyCodec != null ? keyCodec : Codec.json(keyType);
        Codec<V> vc = valueCodec != null ? valueCodec : Codec.json(valueType);
        MeterRegistry registry = meterRegistry != null ? meterRegistry : new CompositeMeterRegistry();
        CircuitBreakerConfig breaker = circuitBreaker != null
                ? circuitBreaker
                : CircuitBreakerConfig.custom()
                        .failureRateThreshold(50)
                        .slidingWindowSize(20)
                        .minimumNumberOfCalls(5)
                        .slowCallDurationThreshold(tierTimeout)
                        .waitDurationInOpenState(Duration.ofSeconds(2))
                        .permittedNumberOfCallsInHalfOpenState(2)
                        .build();
        CacheConfig<K, V> config = new CacheConfig<>(
                name,
                kc,
                vc,
                store,
                writeStrategy,
                expireAfterWrite,
                ttlJitter,
                negativeTtl,
                staleWhileRevalidate,
                refreshAfter,
                clusterLease,
                tierTimeout,
                breaker,
                clock,
                invalidationHeartbeat,
                notifyDataSource,
                notifyChannel);
        CacheMetrics metrics = new CacheMetrics(registry, name, meterRegistry != null);
        EntryCodec<V> entryCodec = new EntryCodec<>(vc);
        TierContext<K, V> tierContext = new TierContext<>(config, entryCodec, metrics, registry, meterRegistry != null);
        List<TierStore<K, V>> stores = new ArrayList<>();
        for (Tier tier : tiers) {
            stores.add(tier.open(tierContext));
        }
        Coordinator<K, V> coordinator = null;
        if (coordination != null) {
            coordinator = coordination.open(new CoordinationContext<>(config, entryCodec, metrics));
        }
        return new DefaultTieredCache<>(config, stores, coordinator, metrics);
    }

    private static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name + " cannot be null");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
        return d;
    }

    private static Duration requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name + " cannot be null");
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + d);
        }
        return d;
    }
}
