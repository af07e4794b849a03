package io.strata.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import java.time.Duration;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH state and methods for {@link L1HitBenchmark}. Each group runs the baseline (raw Caffeine
 * {@code getIfPresent}) on one thread and the subject on the other, at the same time: whatever
 * load the shared machine carries hits both alike, so their ratio is steadier than that of two
 * separate runs.
 */
@State(Scope.Group)
public class L1HitJmh {

    static final int KEYS = 8192; // a power of two, all resident
    static final Duration L1_TTL = Duration.ofMinutes(1);

    Cache<Long, String> caffeine;
    Cache<Long, String> caffeineWithStats;
    TieredCache<Long, String> tiered;
    TieredCache<Long, String> tieredMetered;
    Long[] keys;
    final Function<Long, String> loader = k -> "v" + k;

    @Setup(Level.Trial)
    public void setUp() {
        caffeine = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(L1_TTL)
                .build();
        caffeineWithStats = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(L1_TTL)
                .recordStats()
                .build();
        tiered = TieredCache.builder("bench-l1", Long.class, String.class)
                .tier(LocalTier.builder()
                        .maximumSize(100_000)
                        .expireAfterWrite(L1_TTL)
                        .build())
                .build(); // cache TTL: the default 10 minutes; no registry, so no Caffeine stats
        tieredMetered = TieredCache.builder("bench-l1-metered", Long.class, String.class)
                .tier(LocalTier.builder()
                        .maximumSize(100_000)
                        .expireAfterWrite(L1_TTL)
                        .build())
                .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                .build();
        keys = new Long[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = (long) i;
            caffeine.put(keys[i], "v" + i);
            caffeineWithStats.put(keys[i], "v" + i);
            tiered.put(keys[i], "v" + i);
            tieredMetered.put(keys[i], "v" + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tiered.close();
        tieredMetered.close();
    }

    /** Per-thread key cursor, so threads do not share a counter. */
    @State(Scope.Thread)
    public static class Cursor {
        int i = (int) (Thread.currentThread().getId() * 7919);

        Long next(Long[] keys) {
            i = (i + 1) & (KEYS - 1);
            return keys[i];
        }
    }

    @Benchmark
    @Group("getIfPresent")
    @GroupThreads(1)
    public @Nullable String getIfPresentBaseline(Cursor c) {
        return caffeine.getIfPresent(c.next(keys));
    }

    @Benchmark
    @Group("getIfPresent")
    @GroupThreads(1)
    public @Nullable String getIfPresentTiered(Cursor c) {
        return tiered.getIfPresent(c.next(keys));
    }

    @Benchmark
    @Group("getWithLoader")
    @GroupThreads(1)
    public @Nullable String getWithLoaderBaseline(Cursor c) {
        return caffeine.getIfPresent(c.next(keys));
    }

    @Benchmark
    @Group("getWithLoader")
    @GroupThreads(1)
    public @Nullable String getWithLoaderTiered(Cursor c) {
        return tiered.get(c.next(keys), loader);
    }

    @Benchmark
    @Group("stats")
    @GroupThreads(1)
    public @Nullable String statsBaseline(Cursor c) {
        return caffeine.getIfPresent(c.next(keys));
    }

    @Benchmark
    @Group("stats")
    @GroupThreads(1)
    public @Nullable String statsCaffeine(Cursor c) {
        return caffeineWithStats.getIfPresent(c.next(keys));
    }

    @Benchmark
    @Group("metered")
    @GroupThreads(1)
    public @Nullable String meteredBaseline(Cursor c) {
        return caffeineWithStats.getIfPresent(c.next(keys));
    }

    @Benchmark
    @Group("metered")
    @GroupThreads(1)
    public @Nullable String meteredTiered(Cursor c) {
        return tieredMetered.getIfPresent(c.next(keys));
    }
}
