package io.strata.benchmarks.annotation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import io.strata.cache.TieredCacheBuilder;
import io.strata.cache.annotation.Cached;
import io.strata.cache.annotation.CachingProxyFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A cache hit three ways, on the same 1,024 keys (boxed once, so no side pays for boxing): raw
 * Caffeine {@code getIfPresent}, {@code TieredCache.getIfPresent} on a Caffeine-only tiered cache,
 * and a call of a {@code @Cached} method through the JDK proxy on such a cache. Two configurations:
 * {@code default} is what a user writes without tuning ({@code LocalTier.builder().build()}: 10,000
 * entries, 1 minute; the cache's default 10 minute TTL with 10% jitter); {@code equal-ttl} gives L1
 * and the cache the same 1 hour TTL (jitter makes every entry's life end before the L1 TTL). Raw
 * Caffeine has the same size and the L1's TTL. The groups run a baseline thread and a subject thread
 * at the same time (paired ratios on a loaded machine); the single methods are for the GC profiler.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ProxyHitJmh {

    static final int KEYS = 1024;

    /** The proxied interface. */
    public interface Catalog {
        @Cached(cache = "bench")
        String find(Long id);
    }

    /** The implementation; never called once the cache is warm. */
    public static final class Backend implements Catalog {
        @Override
        public String find(Long id) {
            return "value-" + id;
        }
    }

    @Param({"default", "equal-ttl"})
    public String config;

    Long[] keys;
    Cache<Long, String> caffeine;
    TieredCache<Object, Object> tiered;
    Catalog proxy;

    /** The proxy, for allocation checks outside JMH. */
    public Catalog proxyForTest() {
        return proxy;
    }

    @Setup(Level.Trial)
    public void setUp() {
        keys = new Long[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = (long) i * 7919;
        }
        boolean equal = config.equals("equal-ttl");
        caffeine = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(equal ? Duration.ofHours(1) : Duration.ofMinutes(1))
                .build();
        TieredCacheBuilder<Object, Object> b = TieredCache.builder("bench", Object.class, Object.class);
        if (equal) {
            b.tier(LocalTier.builder()
                            .maximumSize(10_000)
                            .expireAfterWrite(Duration.ofHours(1))
                            .build())
                    .expireAfterWrite(Duration.ofHours(1));
        } else {
            b.tier(LocalTier.builder().build());
        }
        tiered = b.build();
        proxy = CachingProxyFactory.builder().cache(tiered).build().proxy(Catalog.class, new Backend());
        for (Long k : keys) {
            caffeine.put(k, "value-" + k);
            proxy.find(k); // loads into the tiered cache
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tiered.close();
    }

    /** Per-thread position in the key array. */
    @State(Scope.Thread)
    public static class Cursor {
        int i;

        int next() {
            i = (i + 1) & (KEYS - 1);
            return i;
        }
    }

    @Benchmark
    @Group("tiered")
    @GroupThreads(1)
    public @Nullable Object tieredBaseline(Cursor c) {
        return caffeine.getIfPresent(keys[c.next()]);
    }

    @Benchmark
    @Group("tiered")
    @GroupThreads(1)
    public @Nullable Object tieredSubject(Cursor c) {
        return tiered.getIfPresent(keys[c.next()]);
    }

    @Benchmark
    @Group("proxy")
    @GroupThreads(1)
    public @Nullable Object proxyBaseline(Cursor c) {
        return caffeine.getIfPresent(keys[c.next()]);
    }

    @Benchmark
    @Group("proxy")
    @GroupThreads(1)
    public Object proxySubject(Cursor c) {
        return proxy.find(keys[c.next()]);
    }

    @Benchmark
    public @Nullable Object rawCaffeine(Cursor c) {
        return caffeine.getIfPresent(keys[c.next()]);
    }

    @Benchmark
    public @Nullable Object tieredGetIfPresent(Cursor c) {
        return tiered.getIfPresent(keys[c.next()]);
    }

    @Benchmark
    public Object proxyHit(Cursor c) {
        return proxy.find(keys[c.next()]);
    }
}
