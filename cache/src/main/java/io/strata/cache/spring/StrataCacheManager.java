package io.strata.cache.spring;

import io.strata.cache.TieredCache;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A Spring {@link CacheManager} over {@link TieredCache}s, so that Spring's own
 * {@code @Cacheable}, {@code @CachePut} and {@code @CacheEvict} run on tiered caches, with
 * {@code @Cacheable(sync = true)} as the tiered cache's single-flight load. The set of caches is
 * fixed: {@link #getCache} answers {@code null} for any other name, and Spring then reports the
 * unknown cache at the first call.
 *
 * <pre>{@code
 * @Bean CacheManager cacheManager(TieredCache<Long, Book> books) {
 *   return StrataCacheManager.of(books);
 * }
 * }</pre>
 *
 * <p>The caches belong to the caller, who closes them.
 */
public final class StrataCacheManager implements CacheManager {

    private final Map<String, StrataCache> caches;

    private StrataCacheManager(Map<String, StrataCache> caches) {
        this.caches = caches;
    }

    /** A manager of {@code caches}, each under its own name. */
    public static StrataCacheManager of(TieredCache<?, ?>... caches) {
        Objects.requireNonNull(caches, "caches cannot be null");
        return of(List.of(caches));
    }

    /** A manager of {@code caches}, each under its own name; names must be distinct. */
    public static StrataCacheManager of(Collection<? extends TieredCache<?, ?>> caches) {
        Objects.requireNonNull(caches, "caches cannot be null");
        Map<String, StrataCache> map = new LinkedHashMap<>();
        for (TieredCache<?, ?> c : caches) {
            Objects.requireNonNull(c, "caches cannot contain null");
            if (map.putIfAbsent(c.name(), new StrataCache(c)) != null) {
                throw new IllegalArgumentException("caches: two caches are named '" + c.name() + "'");
            }
        }
        return new StrataCacheManager(Collections.unmodifiableMap(map));
    }

    @Override
    public @Nullable Cache getCache(String name) {
        return caches.get(name);
    }

    @Override
    public Collection<String> getCacheNames() {
        return caches.keySet();
    }
}
