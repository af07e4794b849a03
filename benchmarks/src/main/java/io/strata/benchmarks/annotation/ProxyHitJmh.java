package io.strata.benchmarks.annotation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import io.strata.cache.annotation.Cached;
import io.strata.cache.annotation.CachingProxyFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A cache hit three ways, on the same 1,024 keys (boxed once, so no side pays for boxing): raw
 * Caffeine {@code getIfPresent}, {@code TieredCache.getIfPresent} on a Caffeine-only tiered cache,
 * and a call of a {@code @Cached} method through the JDK proxy on such a cache.
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

    Long[] keys;
    Cache<Long, String> caffeine;
    TieredCache<Object, Object> tiered;
    Catalog proxy;

    @Setup(Level.Trial)
    public void setUp() {
        keys = new Long[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = (long) i * 7919;
        }
        caffeine = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(Duration.ofHours(1))
                .build();
        tiered = TieredCache.builder("bench", Object.class, Object.class)
                .tier(LocalTier.builder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofHours(1))
                        .build())
                .expireAfterWrite(Duration.ofHours(1))
                .build();
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
    public Object rawCaffeine(Cursor c) {
        return caffeine.getIfPresent(keys[c.next()]);
    }

    @Benchmark
    public Object tieredGetIfPresent(Cursor c) {
        return tiered.getIfPresent(keys[c.next()]);
    }

    @Benchmark
    public Object proxyHit(Cursor c) {
        return proxy.find(keys[c.next()]);
    }
}
