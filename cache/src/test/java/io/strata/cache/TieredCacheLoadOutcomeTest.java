package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.TieredCacheLocalTest.MapStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TieredCache#lookup}, {@link TieredCache#get(Object, Function, java.util.function.Predicate)}
 * with a value not to cache, {@link TieredCache#putLoaded} and {@link TieredCache#putNegative}, over
 * L1 alone on a fake clock.
 */
class TieredCacheLoadOutcomeTest {

    private final FakeClock clock = new FakeClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<TieredCache<?, ?>> caches = new ArrayList<>();

    @AfterEach
    void close() {
        caches.forEach(TieredCache::close);
    }

    private TieredCacheBuilder<Long, Item> builder(Duration negativeTtl) {
        return TieredCache.builder("outcomes", Long.class, Item.class)
                .tier(LocalTier.builder()
                        .maximumSize(1000)
                        .expireAfterWrite(Duration.ofHours(1))
                        .build())
                .clock(clock)
                .meterRegistry(registry)
                .negativeTtl(negativeTtl)
                .ttlJitter(0);
    }

    private TieredCache<Long, Item> cache(TieredCacheBuilder<Long, Item> builder) {
        TieredCache<Long, Item> c = builder.build();
        caches.add(c);
        return c;
    }

    private double loads(String result) {
        Counter c = registry.find("strata.cache.loads").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void lookup_tellsAValueANegativeEntryAndAMissApart_withoutLoading() {
        MapStore store = new MapStore();
        store.rows.put(1L, new Item("one", 1));
        TieredCache<Long, Item> cache = cache(builder(Duration.ofSeconds(5)).store(store));
        cache.get(1L);
        cache.get(2L); // absent in the store: a negative entry

        CacheLookup<Item> value = cache.lookup(1L);
        assertThat(value.present()).isTrue();
        assertThat(value.negative()).isFalse();
        assertThat(value.value()).isEqualTo(new Item("one", 1));

        CacheLookup<Item> negative = cache.lookup(2L);
        assertThat(negative.present()).isTrue();
        assertThat(negative.negative()).isTrue();
        assertThat(negative.value()).isNull();

        CacheLookup<Item> miss = cache.lookup(3L);
        assertThat(miss.present()).isFalse();
        assertThat(miss.negative()).isFalse();
        assertThat(miss.value()).isNull();
        assertThat(store.loads).hasValue(2);

        clock.advance(Duration.ofSeconds(6)); // the negative entry's own TTL is over
        assertThat(cache.lookup(2L).present()).isFalse();
        assertThat(cache.lookup(1L).present()).isTrue();
        assertThat(store.loads).hasValue(2);
    }

    @Test
    void lookup_hit_answersWithTheCachedEntryItself() {
        TieredCache<Long, Item> cache = cache(builder(Duration.ZERO));
        cache.put(1L, new Item("one", 1));
        assertThat(cache.lookup(1L)).isSameAs(cache.lookup(1L));
    }

    @Test
    void get_withCacheIfRejecting_returnsTheValue_storesNothing_andCountsASuccessfulLoad() {
        TieredCache<Long, Item> cache = cache(builder(Duration.ofSeconds(30)));
        AtomicInteger calls = new AtomicInteger();
        Function<Long, Item> loader = k -> new Item("v", calls.incrementAndGet());
        assertThat(cache.get(1L, loader, v -> v.revision() > 1)).isEqualTo(new Item("v", 1));
        assertThat(cache.lookup(1L).present()).isFalse();
        assertThat(cache.get(1L, loader, v -> v.revision() > 1)).isEqualTo(new Item("v", 2)); // accepted
        assertThat(cache.get(1L, loader, v -> false)).isEqualTo(new Item("v", 2)); // a hit: not asked
        assertThat(calls).hasValue(2);
        assertThat(loads("success")).isEqualTo(2);
        assertThat(loads("failure")).isZero();
    }

    @Test
    void get_withCacheIf_decidesAboutNullToo() {
        TieredCache<Long, Item> cache = cache(builder(Duration.ofSeconds(30)));
        assertThat(cache.get(1L, k -> null, v -> v != null)).isNull();
        assertThat(cache.lookup(1L).present()).isFalse();
        assertThat(cache.get(1L, k -> null, v -> true)).isNull();
        assertThat(cache.lookup(1L).negative()).isTrue();
    }

    @Test
    void get_withCacheIfRejecting_callersThatJoinedTheLoadShareTheUncachedValue() throws Exception {
        TieredCache<Long, Item> cache = cache(builder(Duration.ZERO));
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        Function<Long, Item> loader = k -> {
            calls.incrementAndGet();
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Item("uncached", 1);
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            List<Future<Item>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> {
                    threads.add(Thread.currentThread());
                    return cache.get(7L, loader, v -> false);
                }));
            }
            // all parked: one in the loader behind the gate, the others waiting for its load
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> threads.size() == 4
                            && threads.stream()
                                    .allMatch(t -> t.getState() == Thread.State.WAITING
                                            || t.getState() == Thread.State.TIMED_WAITING));
            gate.countDown();
            for (Future<Item> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(new Item("uncached", 1));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(calls).hasValue(1);
        assertThat(cache.lookup(7L).present()).isFalse();
        assertThat(loads("failure")).isZero();
    }

    @Test
    void refreshAhead_whoseValueIsRejected_dropsTheEntry() {
        TieredCache<Long, Item> cache = cache(
                builder(Duration.ZERO).expireAfterWrite(Duration.ofSeconds(60)).refreshAfter(Duration.ofSeconds(10)));
        AtomicInteger calls = new AtomicInteger();
        Function<Long, Item> loader = k -> new Item("v", calls.incrementAndGet());
        assertThat(cache.get(1L, loader, v -> v.revision() == 1)).isEqualTo(new Item("v", 1));
        clock.advance(Duration.ofSeconds(11));
        assertThat(cache.get(1L, loader, v -> v.revision() == 1)).isEqualTo(new Item("v", 1)); // reload starts
        await().untilAsserted(() -> assertThat(cache.lookup(1L).present()).isFalse());
        assertThat(calls).hasValue(2);
        assertThat(registry.get("strata.cache.refreshes")
                        .tag("result", "success")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(loads("failure")).isZero();
    }

    @Test
    void putLoaded_storesWithoutWritingTheStore_andNeverOverwritesALiveEntry() {
        MapStore store = new MapStore();
        TieredCache<Long, Item> cache =
                cache(builder(Duration.ofSeconds(30)).store(store).writeStrategy(WriteStrategy.writeThrough()));
        cache.putLoaded(1L, new Item("loaded", 1));
        assertThat(cache.getIfPresent(1L)).isEqualTo(new Item("loaded", 1));
        assertThat(store.rows).isEmpty();

        cache.put(2L, new Item("put", 2));
        cache.putLoaded(2L, new Item("older load", 1));
        assertThat(cache.getIfPresent(2L)).isEqualTo(new Item("put", 2));

        cache.putLoaded(3L, null);
        assertThat(cache.lookup(3L).negative()).isTrue();
        assertThat(store.rows).containsOnlyKeys(2L);
        assertThat(store.loads).hasValue(0);
        assertThat(loads("success") + loads("failure")).isZero();
    }

    @Test
    void putLoaded_null_storesNothing_whenTheCacheKeepsNoNegativeEntries() {
        TieredCache<Long, Item> cache = cache(builder(Duration.ZERO));
        cache.putLoaded(1L, null);
        assertThat(cache.lookup(1L).present()).isFalse();
    }

    @Test
    void putNegative_replacesAValue_forTheNegativeTtl_andLeavesTheStoreAlone() {
        MapStore store = new MapStore();
        store.rows.put(1L, new Item("one", 1));
        TieredCache<Long, Item> cache =
                cache(builder(Duration.ofSeconds(5)).store(store).writeStrategy(WriteStrategy.writeThrough()));
        assertThat(cache.get(1L)).isEqualTo(new Item("one", 1));
        cache.putNegative(1L);
        assertThat(cache.lookup(1L).negative()).isTrue();
        assertThat(cache.get(1L)).isNull();
        assertThat(store.rows).containsEntry(1L, new Item("one", 1));
        assertThat(store.loads).hasValue(1);
        clock.advance(Duration.ofSeconds(6));
        assertThat(cache.get(1L)).isEqualTo(new Item("one", 1));
        assertThat(store.loads).hasValue(2);
    }

    @Test
    void putNegative_removesTheEntry_whenTheCacheKeepsNoNegativeEntries() {
        TieredCache<Long, Item> cache = cache(builder(Duration.ZERO));
        cache.put(1L, new Item("one", 1));
        cache.putNegative(1L);
        assertThat(cache.lookup(1L).present()).isFalse();
    }

    @Test
    void newMethods_rejectNullKeys_andAClosedCacheRefusesWrites() {
        TieredCache<Long, Item> cache = cache(builder(Duration.ofSeconds(5)));
        assertThatThrownBy(() -> cache.lookup(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("key");
        assertThatThrownBy(() -> cache.get(1L, k -> null, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("cacheIf");
        cache.close();
        assertThatThrownBy(() -> cache.putNegative(1L)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cache.putLoaded(1L, new Item("x", 1))).isInstanceOf(IllegalStateException.class);
    }
}
