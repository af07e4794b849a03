package io.strata.cache.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Boot auto-configuration's conditions, in plain application contexts. */
class StrataCacheAutoConfigurationTest {

    @Configuration
    static class TwoCaches {
        @Bean(destroyMethod = "close")
        TieredCache<Long, String> books() {
            return TieredCache.builder("books", Long.class, String.class)
                    .tier(LocalTier.builder().build())
                    .build();
        }

        @Bean(destroyMethod = "close")
        TieredCache<String, Integer> stock() {
            return TieredCache.builder("stock", String.class, Integer.class)
                    .tier(LocalTier.builder().build())
                    .build();
        }
    }

    @Configuration
    static class OwnManager {
        @Bean
        CacheManager cacheManager() {
            return new ConcurrentMapCacheManager("mine");
        }
    }

    @Configuration
    static class Nothing {}

    private static AnnotationConfigApplicationContext context(Class<?>... user) {
        AnnotationConfigApplicationContext c = new AnnotationConfigApplicationContext();
        c.register(user);
        c.register(StrataCacheAutoConfiguration.class);
        c.refresh();
        return c;
    }

    @Test
    void tieredCacheBeans_withoutAManager_getAStrataCacheManagerOverAllOfThem() {
        try (AnnotationConfigApplicationContext c = context(TwoCaches.class)) {
            CacheManager manager = c.getBean(CacheManager.class);
            assertThat(manager).isInstanceOf(StrataCacheManager.class);
            assertThat(manager.getCacheNames()).containsExactlyInAnyOrder("books", "stock");
        }
    }

    @Test
    void anApplicationManager_winsOverTheAutoConfiguration() {
        try (AnnotationConfigApplicationContext c = context(TwoCaches.class, OwnManager.class)) {
            assertThat(c.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class);
        }
    }

    @Test
    void withoutTieredCaches_noManagerIsDefined() {
        try (AnnotationConfigApplicationContext c = context(Nothing.class)) {
            assertThat(c.getBeanNamesForType(CacheManager.class)).isEmpty();
        }
    }

    @Test
    void theAutoConfigurationIsRegisteredForBoot() throws Exception {
        try (var in = getClass()
                .getResourceAsStream(
                        "/META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")) {
            String text = new String(Objects.requireNonNull(in).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text.lines()).contains(StrataCacheAutoConfiguration.class.getName());
        }
    }
}
