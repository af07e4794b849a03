package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A local-only cache runs in a class loader that has neither Hazelcast, Jedis nor pgjdbc. */
class CoreWithoutOptionalDependenciesTest {

    /** Runs inside the isolated loader. */
    public static final class LocalOnly implements Supplier<String> {
        @Override
        public String get() {
            try (TieredCache<Long, Item> cache = TieredCache.builder("isolated", Long.class, Item.class)
                    .tier(LocalTier.builder()
                            .expireAfterWrite(Duration.ofMinutes(1))
                            .build())
                    .writeStrategy(WriteStrategy.cacheAside())
                    .build()) {
                cache.put(1L, new Item("a", 1));
                return cache.get(1L, k -> new Item("loaded", 0)).name() + ","
                        + cache.get(2L, k -> new Item("b", 2)).name();
            }
        }
    }

    private static URL jarOf(String className) throws Exception {
        return Class.forName(className).getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aLocalOnlyCache_needsNoOptionalDependency() throws Exception {
        Set<URL> urls = new LinkedHashSet<>();
        for (String c : new String[] {
            TieredCache.class.getName(), // main classes
            Item.class.getName(), // test classes
            "com.github.benmanes.caffeine.cache.Caffeine",
            "io.micrometer.core.instrument.MeterRegistry",
            "io.micrometer.common.util.StringUtils",
            "io.micrometer.observation.Observation",
            "com.fasterxml.jackson.databind.ObjectMapper",
            "com.fasterxml.jackson.core.JsonParser",
            "com.fasterxml.jackson.annotation.JsonProperty",
            "io.github.resilience4j.circuitbreaker.CircuitBreaker",
            "io.github.resilience4j.core.EventConsumer",
            "org.slf4j.LoggerFactory",
            "org.slf4j.simple.SimpleLogger",
            "org.HdrHistogram.Histogram",
            "org.LatencyUtils.PauseDetector"
        }) {
            urls.add(jarOf(c));
        }
        try (URLClassLoader isolated =
                new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("com.hazelcast.core.HazelcastInstance", false, isolated))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> Class.forName("redis.clients.jedis.UnifiedJedis", false, isolated))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> Class.forName("org.postgresql.PGConnection", false, isolated))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> runner = Class.forName(LocalOnly.class.getName(), true, isolated);
            Supplier<String> s =
                    (Supplier<String>) runner.getDeclaredConstructor().newInstance();
            assertThat(s.get()).isEqualTo("a,b");
        }
    }
}
