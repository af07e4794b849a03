package io.strata.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.Weigher;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * L1: a Caffeine cache of entries. An entry lives for the shorter of the tier's own (jittered)
 * TTL and the entry's remaining life; Caffeine's clock is the cache's clock, so a fake clock
 * drives expiry in tests. Gets, hits and evictions are counted by Caffeine and published by
 * Micrometer's {@link CaffeineCacheMetrics}.
 */
public final class CaffeineTierStore<K, V> implements TierStore<K, V> {

  private final Cache<K, Entry<V>> cache;
  private final Clock clock;

  public CaffeineTierStore(TierContext<K, V> context, long maximumSize, long maximumWeight,
      Weigher<Object, Object> weigher, Duration expireAfterWrite) {
    Clock clock = context.config().clock();
    this.clock = clock;
    double jitter = context.config().ttlJitter();
    long ttlNanos = expireAfterWrite.toNanos();
    Caffeine<Object, Object> builder = Caffeine.newBuilder()
        .ticker(ticker(clock))
        .recordStats()
        .expireAfter(new Expiry<Object, Object>() {
          @Override
          public long expireAfterCreate(Object key, Object value, long currentTime) {
            return life(value);
          }

          @Override
          public long expireAfterUpdate(Object key, Object value, long currentTime, long currentDuration) {
            return life(value);
          }

          @Override
          public long expireAfterRead(Object key, Object value, long currentTime, long currentDuration) {
            return currentDuration;
          }

          private long life(Object value) {
            long own = jitter == 0 ? ttlNanos
                : (long) (ttlNanos * (1 - jitter * ThreadLocalRandom.current().nextDouble()));
            long left = TimeUnit.MILLISECONDS.toNanos(((Entry<?>) value).ttlMillis(clock.millis()));
            return Math.min(own, left);
          }
        });
    if (maximumWeight > 0) {
      builder.maximumWeight(maximumWeight).weigher((Object k, Object v) -> {
        Object value = ((Entry<?>) v).value();
        return value == null ? 1 : weigher.weigh(k, value); // a negative entry weighs 1
      });
    } else {
      builder.maximumSize(maximumSize);
    }
    this.cache = builder.build();
    CaffeineCacheMetrics.monitor(context.registry(), cache, context.cacheName(), "tier", "caffeine");
  }

  private static Ticker ticker(Clock clock) {
    if (clock.equals(Clock.systemUTC())) {
      return Ticker.systemTicker();
    }
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }

  @Override
  public String name() {
    return "caffeine";
  }

  @Override
  public boolean remote() {
    return false;
  }

  @Override
  public Entry<V> get(K key) {
    return cache.getIfPresent(key);
  }

  @Override
  public Map<K, Entry<V>> getAll(Collection<K> keys) {
    return cache.getAllPresent(keys);
  }

  @Override
  public void put(K key, Entry<V> entry) {
    cache.put(key, entry);
  }

  @Override
  public void putIfAbsent(K key, Entry<V> entry) {
    Entry<V> old = cache.asMap().putIfAbsent(key, entry);
    if (old != null && !old.alive(clock.millis())) {
      cache.asMap().replace(key, old, entry);
    }
  }

  @Override
  public void invalidate(K key) {
    cache.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    cache.invalidateAll();
  }

  /** Caffeine's own view, for tests. */
  public Cache<K, Entry<V>> caffeine() {
    return cache;
  }
}
