package io.strata.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH state and methods for {@link L1HitBenchmark}: an L1 hit through {@link TieredCache} against
 * a raw Caffeine {@code getIfPresent} on a cache with the same bounds (size and expiry).
 */
@State(Scope.Benchmark)
public class L1HitJmh {

  static final int KEYS = 8192; // a power of two, all resident

  Cache<Long, String> caffeine;
  TieredCache<Long, String> tiered;
  Long[] keys;
  final Function<Long, String> loader = k -> "v" + k;

  @Setup(Level.Trial)
  public void setUp() {
    caffeine = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(10)).build();
    tiered = TieredCache.builder("bench-l1", Long.class, String.class)
        .tier(LocalTier.builder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(10)).build())
        .build();
    keys = new Long[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = (long) i;
      caffeine.put(keys[i], "v" + i);
      tiered.put(keys[i], "v" + i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    tiered.close();
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
  public String caffeineGetIfPresent(Cursor c) {
    return caffeine.getIfPresent(c.next(keys));
  }

  @Benchmark
  public String tieredGetIfPresent(Cursor c) {
    return tiered.getIfPresent(c.next(keys));
  }

  @Benchmark
  public String tieredGetWithLoader(Cursor c) {
    return tiered.get(c.next(keys), loader);
  }

  static final TimeUnit UNIT = TimeUnit.NANOSECONDS;
}
