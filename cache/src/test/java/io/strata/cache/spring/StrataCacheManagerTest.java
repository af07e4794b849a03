package io.strata.cache.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Spring's {@link Cache} contract on {@link StrataCache}, and the manager in a real context. */
class StrataCacheManagerTest {

    private final TieredCache<Object, Object> books = TieredCache.builder("books", Object.class, Object.class)
            .tier(LocalTier.builder().build())
            .negativeTtl(Duration.ofSeconds(30))
            .build();
    private final TieredCache<Object, Object> noNulls = TieredCache.builder("no-nulls", Object.class, Object.class)
            .tier(LocalTier.builder().build())
            .negativeTtl(Duration.ZERO)
            .build();
    private final StrataCacheManager manager = StrataCacheManager.of(books, noNulls);
    private final Cache cache = manager.getCache("books");

    @AfterEach
    void close() {
        books.close();
        noNulls.close();
    }

    @Test
    void getCache_knownAndUnknownNames() {
        assertThat(manager.getCacheNames()).containsExactly("books", "no-nulls");
        assertThat(cache).isInstanceOf(StrataCache.class);
        assertThat(cache.getName()).isEqualTo("books");
        assertThat(cache.getNativeCache()).isSameAs(books);
        assertThat(manager.getCache("nope")).isNull();
        assertThatThrownBy(() -> StrataCacheManager.of(books, books))
                .hasMessage("caches: two caches are named 'books'");
    }

    @Test
    void get_tellsAMissFromACachedNull() {
        assertThat(cache.get("a")).isNull();
        cache.put("a", null);
        assertThat(cache.get("a")).isNotNull();
        assertThat(cache.get("a").get()).isNull();
        cache.put("a", "A");
        assertThat(cache.get("a").get()).isEqualTo("A");
        assertThat(cache.get("a", String.class)).isEqualTo("A");
        assertThatThrownBy(() -> cache.get("a", Integer.class)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void putNull_onACacheWithoutNegativeEntries_keepsNothing() {
        Cache c = manager.getCache("no-nulls");
        c.put("a", "A");
        c.put("a", null);
        assertThat(c.get("a")).isNull();
    }

    @Test
    void getWithLoader_loadsOnce_andWrapsLoaderFailures() {
        AtomicInteger calls = new AtomicInteger();
        assertThat(cache.get("k", () -> "v" + calls.incrementAndGet())).isEqualTo("v1");
        assertThat(cache.get("k", () -> "v" + calls.incrementAndGet())).isEqualTo("v1");
        Object loadedNull = cache.get("n", () -> null);
        assertThat(loadedNull).isNull();
        assertThat(cache.get("n")).isNotNull();
        IOException failure = new IOException("down");
        assertThatThrownBy(() -> cache.get("f", () -> {
                    throw failure;
                }))
                .isInstanceOf(Cache.ValueRetrievalException.class)
                .hasCause(failure)
                .satisfies(e ->
                        assertThat(((Cache.ValueRetrievalException) e).getKey()).isEqualTo("f"));
        assertThat(cache.get("f")).isNull();
    }

    @Test
    void evictAndClear() {
        cache.put("a", "A");
        cache.put("b", "B");
        assertThat(cache.evictIfPresent("a")).isTrue();
        assertThat(cache.get("a")).isNull();
        assertThat(cache.evictIfPresent("a")).isFalse();
        cache.clear();
        assertThat(cache.get("b")).isNull();
    }

    @Test
    void retrieve_missHitAndCachedNull() throws Exception {
        assertThat(cache.retrieve("a")).isNull();
        cache.put("a", "A");
        assertThat(((Cache.ValueWrapper) cache.retrieve("a").get()).get()).isEqualTo("A");
        cache.put("n", null);
        assertThat(((Cache.ValueWrapper) cache.retrieve("n").get()).get()).isNull();
    }

    @Test
    void retrieveWithLoader_storesTheValueOnCompletion_notAFailure() throws Exception {
        CompletableFuture<String> running = new CompletableFuture<>();
        CompletableFuture<String> first = cache.retrieve("a", () -> running);
        CompletableFuture<String> second = cache.retrieve("a", () -> CompletableFuture.completedFuture("other"));
        running.complete("A");
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("A");
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("A");
        assertThat(cache.get("a").get()).isEqualTo("A");
        CompletableFuture<String> failed =
                cache.retrieve("b", () -> CompletableFuture.failedFuture(new IllegalStateException("x")));
        assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(cache.get("b")).isNull();
    }

    @Test
    void lookupsOfMissesAndCachedNulls_andPutsOfNull_countNoLoad() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TieredCache<Object, Object> counted = TieredCache.builder("counted", Object.class, Object.class)
                .tier(LocalTier.builder().build())
                .negativeTtl(Duration.ofSeconds(30))
                .meterRegistry(registry)
                .build()) {
            Cache c = new StrataCache(counted);
            assertThat(c.get("a")).isNull();
            assertThat(c.retrieve("a")).isNull();
            c.put("a", null);
            assertThat(c.get("a").get()).isNull();
            assertThat(c.evictIfPresent("a")).isTrue();
            assertThat(c.retrieve("b", () -> CompletableFuture.completedFuture("B"))
                            .get(5, TimeUnit.SECONDS))
                    .isEqualTo("B");
            assertThat(c.get("b").get()).isEqualTo("B");
            Counter loads = registry.find("strata.cache.loads").counter();
            assertThat(loads).isNull(); // not one load, failed or not
        }
    }

    /** Spring reports an unknown cache name at the first call (the Strata proxy does it at creation). */
    static class Misnamed {
        @Cacheable("nope")
        public String find(String id) {
            return id;
        }
    }

    @Configuration
    @EnableCaching(proxyTargetClass = true)
    static class Config {
        @Bean(destroyMethod = "close")
        TieredCache<Object, Object> books() {
            return TieredCache.builder("books", Object.class, Object.class)
                    .tier(LocalTier.builder().build())
                    .build();
        }

        @Bean
        CacheManager cacheManager(TieredCache<Object, Object> books) {
            return StrataCacheManager.of(books);
        }

        @Bean
        Misnamed misnamed() {
            return new Misnamed();
        }
    }

    @Test
    void springContext_unknownCacheFailsAtFirstCall() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(Config.class)) {
            Misnamed bean = context.getBean(Misnamed.class);
            assertThatThrownBy(() -> bean.find("x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("nope");
        }
    }
}
