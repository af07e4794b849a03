package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.Codec;
import io.strata.cache.Item;
import io.strata.cache.WriteStrategy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every tier does; each tier's test extends this and opens its tier in {@link #open}. */
abstract class TierContract {

    protected final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    protected TierContext<Long, Item> context;
    protected TierStore<Long, Item> tier;
    protected Clock clock = Clock.systemUTC();

    /** Opens a fresh, empty tier for {@code context}. */
    protected abstract TierStore<Long, Item> open(TierContext<Long, Item> context);

    static TierContext<Long, Item> context(String name, Clock clock, SimpleMeterRegistry registry) {
        CacheConfig<Long, Item> config = new CacheConfig<>(
                name,
                Codec.json(Long.class),
                Codec.json(Item.class),
                null,
                WriteStrategy.cacheAside(),
                Duration.ofMinutes(10),
                0.1,
                Duration.ofSeconds(30),
                Duration.ZERO,
                null,
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                CircuitBreakerConfig.ofDefaults(),
                clock,
                Duration.ofSeconds(1),
                null,
                null);
        return new TierContext<>(
                config, new EntryCodec<>(config.valueCodec()), new CacheMetrics(registry, name), registry);
    }

    @BeforeEach
    void openTier() {
        context = context("contract-" + UUID.randomUUID().toString().substring(0, 8), clock, registry);
        tier = open(context);
    }

    @AfterEach
    void closeTier() {
        tier.close();
    }

    protected Entry<Item> entry(String name, long version) {
        long now = clock.millis();
        return new Entry<>(new Item(name, version), version, now, now + 60_000, now + 90_000);
    }

    @Test
    void get_missingKey_isNull() {
        assertThat(tier.get(1L)).isNull();
    }

    @Test
    void put_thenGet_returnsTheEntryWithItsMetadata() {
        Entry<Item> e = entry("a", 7);
        tier.put(1L, e);
        assertThat(tier.get(1L)).isEqualTo(e);
    }

    @Test
    void put_overwrites() {
        tier.put(1L, entry("a", 1));
        tier.put(1L, entry("b", 2));
        assertThat(tier.get(1L).value().name()).isEqualTo("b");
    }

    @Test
    void put_neverReplacesANewerVersionWithAnOlderOne() {
        tier.put(1L, entry("newer", 5));
        tier.put(1L, entry("older", 4));
        assertThat(tier.get(1L).value().name()).isEqualTo("newer");
        tier.put(1L, entry("newest", 6));
        assertThat(tier.get(1L).value().name()).isEqualTo("newest");
    }

    @Test
    void putIfAbsent_neverReplacesAPut() {
        tier.put(1L, entry("put", 2));
        tier.putIfAbsent(1L, entry("loaded", 0));
        assertThat(tier.get(1L).value().name()).isEqualTo("put");
    }

    @Test
    void putIfAbsent_keepsALiveEntry() {
        tier.put(1L, entry("put", 2));
        tier.putIfAbsent(1L, entry("loaded", 0));
        assertThat(tier.get(1L).value().name()).isEqualTo("put");
        tier.putIfAbsent(2L, entry("loaded", 0));
        assertThat(tier.get(2L).value().name()).isEqualTo("loaded");
    }

    @Test
    void negativeEntry_roundTrips() {
        long now = clock.millis();
        Entry<Item> negative = new Entry<>(null, 0, now, now + 1000, now + 1000);
        tier.put(3L, negative);
        Entry<Item> back = tier.get(3L);
        assertThat(back).isNotNull();
        assertThat(back.negative()).isTrue();
    }

    @Test
    void getAll_returnsOnlyPresentKeys() {
        tier.put(1L, entry("a", 1));
        tier.put(3L, entry("c", 3));
        Map<Long, Entry<Item>> found = tier.getAll(List.of(1L, 2L, 3L));
        assertThat(found).containsOnlyKeys(1L, 3L);
        assertThat(found.get(3L).value().name()).isEqualTo("c");
    }

    @Test
    void invalidate_removesOneKey() {
        tier.put(1L, entry("a", 1));
        tier.put(2L, entry("b", 2));
        tier.invalidate(1L);
        assertThat(tier.get(1L)).isNull();
        assertThat(tier.get(2L)).isNotNull();
    }

    @Test
    void invalidateAll_removesEveryKeyOfThisCache() {
        for (long k = 0; k < 50; k++) {
            tier.put(k, entry("v" + k, k));
        }
        tier.invalidateAll();
        assertThat(tier.getAll(List.of(0L, 10L, 49L))).isEmpty();
    }
}
