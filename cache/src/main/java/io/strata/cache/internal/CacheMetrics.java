package io.strata.cache.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one cache, all tagged {@code cache=<name>}. L1 gets, hits and evictions come from
 * Micrometer's {@code CaffeineCacheMetrics} (names {@code cache.gets}, {@code cache.evictions});
 * everything else is named {@code strata.cache.*}.
 */
public final class CacheMetrics {

    private final MeterRegistry registry;
    private final Tags tags;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer loadTimer;
    /** Resolved at the first load (not before: a cache that never loads shows no load meter). */
    private volatile @Nullable Counter loadSuccesses;

    private volatile @Nullable Counter loadFailures;
    private final Counter puts;
    private final DistributionSummary batchSize;
    /** Whether anyone reads the meters: if not, loads are not timed (no clock read per miss). */
    private final boolean recorded;

    /** Meters that are read (a registry of the user's). */
    public CacheMetrics(MeterRegistry registry, String cacheName) {
        this(registry, cacheName, true);
    }

    /**
     * @param recorded whether the user gave the cache a registry; without one, counters still count
     *     (into a registry nobody reads) but loads are not timed
     */
    public CacheMetrics(MeterRegistry registry, String cacheName, boolean recorded) {
        this.registry = registry;
        this.recorded = recorded;
        this.tags = Tags.of("cache", cacheName);
        this.loadTimer = Timer.builder("strata.cache.load.latency")
                .tags(tags)
                .description("time to load a value from the store or loader")
                .register(registry);
        this.batchSize = DistributionSummary.builder("strata.cache.writebehind.batch.size")
                .tags(tags)
                .description("writes per write-behind store batch")
                .register(registry);
        this.puts = Counter.builder("strata.cache.puts").tags(tags).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public Tags tags() {
        return tags;
    }

    private Counter counter(String name, String... tagPairs) {
        String id = name + String.join(",", tagPairs);
        return counters.computeIfAbsent(
                id, k -> Counter.builder(name).tags(tags).tags(tagPairs).register(registry));
    }

    /** A get answered (or not) by a remote tier: result is hit, miss, error or skipped (breaker open). */
    public void tierGet(String tier, String result, long count) {
        if (count > 0) {
            counter("strata.cache.gets", "tier", tier, "result", result).increment(count);
        }
    }

    public void tierWriteFailure(String tier) {
        counter("strata.cache.tier.write.failures", "tier", tier).increment();
    }

    public void decodeFailure(String tier) {
        counter("strata.cache.decode.failures", "tier", tier).increment();
        counter("strata.cache.evictions", "tier", tier, "cause", "corrupt").increment();
    }

    /**
     * The start of a load, for {@link #loadSucceeded} or {@link #loadFailed}: the registry clock's
     * monotonic time, or 0 when nobody reads the meters. Nothing is allocated (no {@code Timer.Sample}).
     */
    public long loadStarted() {
        return recorded ? registry.config().clock().monotonicTime() : 0;
    }

    /** A load that began at {@code started} ({@link #loadStarted}) returned. */
    public void loadSucceeded(long started) {
        loadEnded(started);
        Counter c = loadSuccesses;
        if (c == null) { // resolved once: a miss must not build the meter id (string joins, a map lookup)
            c = counter("strata.cache.loads", "result", "success");
            loadSuccesses = c;
        }
        c.increment();
    }

    /** A load that began at {@code started} ({@link #loadStarted}) threw. */
    public void loadFailed(long started) {
        loadEnded(started);
        Counter c = loadFailures;
        if (c == null) {
            c = counter("strata.cache.loads", "result", "failure");
            loadFailures = c;
        }
        c.increment();
    }

    private void loadEnded(long started) {
        if (recorded) {
            loadTimer.record(registry.config().clock().monotonicTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    public void leaseWait() {
        counter("strata.cache.lease.waits").increment();
    }

    public void put() {
        puts.increment();
    }

    /** A counter of remote-tier gets, for callers that keep it (the hot path avoids the lookup). */
    public Counter tierGetCounter(String tier, String result) {
        return counter("strata.cache.gets", "tier", tier, "result", result);
    }

    public void refresh(String result) {
        counter("strata.cache.refreshes", "result", result).increment();
    }

    public void invalidationSent() {
        counter("strata.cache.invalidations", "direction", "sent").increment();
    }

    public void invalidationReceived() {
        counter("strata.cache.invalidations", "direction", "received").increment();
    }

    /** A key invalidated by a PostgreSQL notification (counted once the tiers no longer hold it). */
    public void notifyInvalidation() {
        counter("strata.cache.notify.invalidations").increment();
    }

    public void invalidationGap(String reason) {
        counter("strata.cache.invalidation.gaps", "reason", reason).increment();
    }

    public void writeBehindBatch(int size) {
        batchSize.record(size);
        counter("strata.cache.writebehind.flushed").increment(size);
    }

    public void writeBehindFailure() {
        counter("strata.cache.writebehind.failures").increment();
    }

    public void writeBehindDeadLetter() {
        counter("strata.cache.writebehind.deadletters").increment();
    }

    /** Registers a gauge computed by {@code value}, tagged with {@code tagPairs}. */
    public void gauge(String name, Supplier<Number> value, String... tagPairs) {
        io.micrometer.core.instrument.Gauge.builder(name, value)
                .tags(tags)
                .tags(tagPairs)
                .register(registry);
    }

    /** The current count of a counter (for tests and the README's examples). */
    public double count(String name, String... tagPairs) {
        Counter c = counters.get(name + String.join(",", tagPairs));
        return c == null ? 0 : c.count();
    }
}
