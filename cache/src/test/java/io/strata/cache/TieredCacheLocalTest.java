package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The read and write paths over L1 alone, driven by a fake clock. */
class TieredCacheLocalTest {

    private final FakeClock clock = new FakeClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<TieredCache<?, ?>> caches = new ArrayList<>();

    @AfterEach
    void close() {
        caches.forEach(TieredCache::close);
    }

    private TieredCacheBuilder<Long, Item> builder() {
        return TieredCache.builder("local", Long.class, Item.class)
                .tier(LocalTier.builder()
                        .maximumSize(1000)
                        .expireAfterWrite(Duration.ofHours(1))
                        .build())
                .clock(clock)
                .meterRegistry(registry)
                .ttlJitter(0);
    }

    private <C extends TieredCache<?, ?>> C track(C cache) {
        caches.add(cache);
        return cache;
    }

    /** A store in memory that counts its calls and can be made to fail. */
    static final class MapStore implements Store<Long, Item> {
        final Map<Long, Item> rows = new ConcurrentHashMap<>();
        final Map<Long, Long> versions = new ConcurrentHashMap<>();
        final AtomicInteger loads = new AtomicInteger();
        final AtomicBoolean failing = new AtomicBoolean();

        @Override
        public Item load(Long key) {
            loads.incrementAndGet();
            if (failing.get()) {
                throw new IllegalStateException("store down");
            }
            return rows.get(key);
        }

        @Override
        public void write(Long key, Item value, long version) {
            if (failing.get()) {
                throw new IllegalStateException("store down");
            }
            if (versions.getOrDefault(key, -1L) < version) {
                rows.put(key, value);
                versions.put(key, version);
            }
        }

        @Override
        public void delete(Long key) {
            rows.remove(key);
        }
    }

    @Test
    void get_loadsOnce_thenHits() {
        MapStore store = new MapStore();
        store.rows.put(1L, new Item("one", 1));
        TieredCache<Long, Item> cache = track(builder().store(store).build());
        assertThat(cache.get(1L)).isEqualTo(new Item("one", 1));
        assertThat(cache.get(1L)).isEqualTo(new Item("one", 1));
        assertThat(store.loads).hasValue(1);
    }

    @Test
    void concurrentGetsOfOneKey_loadOnceInThisJvm() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger loads = new AtomicInteger();
        TieredCache<Long, Item> cache = track(builder().build());
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Item>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                results.add(pool.submit(() -> cache.get(9L, k -> {
                    loads.incrementAndGet();
                    awaitLatch(release);
                    return new Item("nine", 9);
                })));
            }
            await().until(() -> loads.get() == 1);
            release.countDown();
            for (Future<Item> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(new Item("nine", 9));
            }
            assertThat(loads).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void absentKey_isCachedNegatively_forItsOwnTtl() {
        MapStore store = new MapStore();
        TieredCache<Long, Item> cache =
                track(builder().store(store).negativeTtl(Duration.ofSeconds(5)).build());
        assertThat(cache.get(2L)).isNull();
        assertThat(cache.get(2L)).isNull();
        assertThat(store.loads).hasValue(1);
        store.rows.put(2L, new Item("two", 2));
        clock.advance(Duration.ofSeconds(6));
        assertThat(cache.get(2L)).isEqualTo(new Item("two", 2));
        assertThat(store.loads).hasValue(2);
    }

    @Test
    void negativeTtlZero_doesNotCacheAbsence() {
        MapStore store = new MapStore();
        TieredCache<Long, Item> cache =
                track(builder().store(store).negativeTtl(Duration.ZERO).build());
        cache.get(2L);
        cache.get(2L);
        assertThat(store.loads).hasValue(2);
    }

    @Test
    void ttlJitter_spreadsExpiryBelowTheTtl() {
        MapStore store = new MapStore();
        for (long k = 0; k < 200; k++) {
            store.rows.put(k, new Item("v", k));
        }
        TieredCache<Long, Item> cache = track(TieredCache.builder("jitter", Long.class, Item.class)
                .tier(LocalTier.builder().expireAfterWrite(Duration.ofHours(1)).build())
                .clock(clock)
                .store(store)
                .expireAfterWrite(Duration.ofSeconds(100))
                .ttlJitter(0.5)
                .build());
        for (long k = 0; k < 200; k++) {
            cache.get(k);
        }
        clock.advance(Duration.ofSeconds(75)); // jitter 0.5: lives in (50 s, 100 s]
        int before = store.loads.get();
        for (long k = 0; k < 200; k++) {
            cache.get(k);
        }
        int reloaded = store.loads.get() - before;
        assertThat(reloaded).isBetween(20, 180); // about half expired, not all, not none
    }

    @Test
    void staleWhileRevalidate_servesTheStaleValue_andReloadsInTheBackground() {
        MapStore store = new MapStore();
        store.rows.put(1L, new Item("old", 1));
        TieredCache<Long, Item> cache = track(builder()
                .store(store)
                .expireAfterWrite(Duration.ofSeconds(10))
                .staleWhileRevalidate(Duration.ofSeconds(30))
                .build());
        cache.get(1L);
        store.rows.put(1L, new Item("new", 2));
        clock.advance(Duration.ofSeconds(15));
        assertThat(cache.get(1L)).isEqualTo(new Item("old", 1));
        await().untilAsserted(() -> assertThat(cache.getIfPresent(1L)).isEqualTo(new Item("new", 2)));
        assertThat(store.loads).hasValue(2);
    }

    @Test
    void refreshAhead_reloadsOnce_readersNeverBlock_andAFailingLoaderKeepsTheOldValue() throws Exception {
        TieredCache<Long, Item> cache = track(builder()
                .expireAfterWrite(Duration.ofSeconds(60))
                .refreshAfter(Duration.ofSeconds(10))
                .build());
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch releaseReload = new CountDownLatch(1);
        AtomicBoolean fail = new AtomicBoolean();
        java.util.function.Function<Long, Item> loader = k -> {
            int n = loads.incrementAndGet();
            if (n > 1) {
                awaitLatch(releaseReload);
            }
            if (fail.get()) {
                throw new IllegalStateException("loader down");
            }
            return new Item("v", n);
        };
        assertThat(cache.get(1L, loader)).isEqualTo(new Item("v", 1));

        clock.advance(Duration.ofSeconds(11));
        // many reads while the reload is blocked: all answered at once with the current value
        for (int i = 0; i < 500; i++) {
            assertThat(cache.get(1L, loader)).isEqualTo(new Item("v", 1));
        }
        await().until(() -> loads.get() == 2);
        releaseReload.countDown();
        await().untilAsserted(() -> assertThat(cache.get(1L, loader)).isEqualTo(new Item("v", 2)));
        assertThat(loads).hasValue(2); // reloaded exactly once
        assertThat(registry.get("strata.cache.refreshes")
                        .tag("result", "success")
                        .counter()
                        .count())
                .isEqualTo(1);

        // a failing reload keeps the old value and is counted
        fail.set(true);
        clock.advance(Duration.ofSeconds(11));
        assertThat(cache.get(1L, loader)).isEqualTo(new Item("v", 2));
        await().untilAsserted(() -> assertThat(registry.get("strata.cache.refreshes")
                        .tag("result", "failure")
                        .counter()
                        .count())
                .isEqualTo(1));
        assertThat(cache.get(1L, loader)).isEqualTo(new Item("v", 2));

        // ... until it expires
        clock.advance(Duration.ofSeconds(60));
        fail.set(false);
        assertThat(cache.get(1L, loader).revision()).isGreaterThan(2);
    }

    @Test
    void writeThrough_storeFirst_andAFailedStoreWriteLeavesTheCacheAlone() {
        MapStore store = new MapStore();
        TieredCache<Long, Item> cache = track(builder()
                .store(store)
                .writeStrategy(WriteStrategy.writeThrough())
                .build());
        cache.put(1L, new Item("a", 1));
        assertThat(store.rows.get(1L)).isEqualTo(new Item("a", 1));
        assertThat(cache.getIfPresent(1L)).isEqualTo(new Item("a", 1));

        store.failing.set(true);
        assertThatThrownBy(() -> cache.put(1L, new Item("b", 2))).isInstanceOf(CacheException.class);
        assertThat(cache.getIfPresent(1L)).isEqualTo(new Item("a", 1));
    }

    @Test
    void cacheAside_putTouchesOnlyTheTiers() {
        MapStore store = new MapStore();
        TieredCache<Long, Item> cache = track(builder().store(store).build());
        cache.put(1L, new Item("a", 1));
        assertThat(store.rows).isEmpty();
        assertThat(cache.get(1L)).isEqualTo(new Item("a", 1));
        assertThat(store.loads).hasValue(0);
    }

    @Test
    void getAll_asksTheLoaderOnceForAllMisses() {
        TieredCache<Long, Item> cache = track(builder().build());
        cache.put(1L, new Item("one", 1));
        AtomicInteger calls = new AtomicInteger();
        Map<Long, Item> got = cache.getAll(List.of(1L, 2L, 3L, 4L), missing -> {
            calls.incrementAndGet();
            assertThat(missing).containsExactlyInAnyOrder(2L, 3L, 4L);
            Map<Long, Item> m = new HashMap<>();
            m.put(2L, new Item("two", 2));
            m.put(3L, new Item("three", 3));
            return m;
        });
        assertThat(got).containsOnlyKeys(1L, 2L, 3L);
        assertThat(calls).hasValue(1);
        assertThat(cache.getAll(List.of(1L, 2L, 3L, 4L), missing -> {
                    throw new AssertionError("all cached (4 negatively): " + missing);
                }))
                .containsOnlyKeys(1L, 2L, 3L);
    }

    @Test
    void invalidate_andInvalidateAll() {
        TieredCache<Long, Item> cache = track(builder().build());
        cache.put(1L, new Item("a", 1));
        cache.put(2L, new Item("b", 2));
        cache.invalidate(1L);
        assertThat(cache.getIfPresent(1L)).isNull();
        assertThat(cache.getIfPresent(2L)).isNotNull();
        cache.invalidateAll();
        assertThat(cache.getIfPresent(2L)).isNull();
    }

    @Test
    void loaderFailure_isACacheException_andNothingIsCached() {
        TieredCache<Long, Item> cache = track(builder().build());
        assertThatThrownBy(() -> cache.get(1L, k -> {
                    throw new IllegalStateException("boom");
                }))
                .isInstanceOf(CacheException.class)
                .hasRootCauseMessage("boom");
        assertThat(cache.get(1L, k -> new Item("ok", 1))).isEqualTo(new Item("ok", 1));
    }

    @Test
    void builder_rejectsBadArguments_namingThem() {
        assertThatThrownBy(() -> TieredCache.builder("bad name!", Long.class, Item.class))
                .hasMessageContaining("name");
        assertThatThrownBy(() -> builder().ttlJitter(1.5))
                .hasMessageContaining("ttlJitter")
                .hasMessageContaining("1.5");
        assertThatThrownBy(() -> builder().expireAfterWrite(Duration.ZERO)).hasMessageContaining("expireAfterWrite");
        assertThatThrownBy(() ->
                        builder().writeStrategy(WriteStrategy.writeThrough()).build())
                .hasMessageContaining("store");
        assertThatThrownBy(() -> builder()
                        .store(new MapStore())
                        .writeStrategy(WriteStrategy.writeBehind())
                        .build())
                .hasMessageContaining("coordination");
        assertThatThrownBy(
                        () -> TieredCache.builder("x", Long.class, Item.class).build())
                .hasMessageContaining("tier");
        assertThatThrownBy(() -> WriteStrategy.writeBehind().withBatchSize(0)).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> LocalTier.builder().maximumSize(-1)).hasMessageContaining("maximumSize");
    }

    @Test
    void weightBoundedL1_evictsByWeight_andWeighsNegativeEntriesAsOne() {
        TieredCache<Long, Item> cache = track(TieredCache.builder("weighed", Long.class, Item.class)
                .tier(LocalTier.builder()
                        .maximumWeight(100, (Long k, Item v) -> (int) v.revision())
                        .build())
                .clock(clock)
                .build());
        cache.get(0L, k -> null); // negative
        for (long k = 1; k <= 10; k++) {
            cache.put(k, new Item("heavy", 30));
        }
        L1Access.cleanUp(cache);
        long resident = java.util.stream.LongStream.rangeClosed(1, 10)
                .filter(k -> cache.getIfPresent(k) != null)
                .count();
        assertThat(resident).isLessThanOrEqualTo(3);
    }

    @Test
    void closedCache_refusesPuts() {
        TieredCache<Long, Item> cache = builder().build();
        cache.close();
        assertThatThrownBy(() -> cache.put(1L, new Item("a", 1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void l1MetersUseOnlyTheStandardCacheTagsSoTheySitBesideOtherCacheMeters() {
        TieredCache<Long, Item> cache = track(builder().build());
        cache.get(1L, k -> new Item("one", 1));
        cache.getIfPresent(1L);
        io.micrometer.core.instrument.Meter hits = registry.get("cache.gets")
                .tags("cache", "local", "result", "hit")
                .meter();
        assertThat(hits.getId().getTags())
                .extracting(io.micrometer.core.instrument.Tag::getKey)
                .containsExactlyInAnyOrder("cache", "result");
        assertThat(hits.measure().iterator().next().getValue()).isEqualTo(1.0);
    }
}
