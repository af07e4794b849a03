package io.strata.cache.annotation;

import io.strata.cache.TieredCache;
import io.strata.cache.TieredCacheBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One cache name as the proxies see it: the registered cache, and for a template-registered cache
 * the variants built for per-method TTL or refresh-ahead overrides. Variants share the name, so they
 * share the remote tiers' entries; each has its own L1, so puts and evictions reach every variant.
 * Also holds the futures of asynchronous loads in flight, for single-flight across callers.
 */
final class CacheGroup {

    /** Per-method overrides; {@code null} fields keep the template's setting. */
    record Overrides(
            @Nullable Duration expireAfterWrite, @Nullable Duration refreshAfter) {
        static final Overrides NONE = new Overrides(null, null);
    }

    private final String name;
    private final TieredCache<Object, Object> base;
    private final @Nullable Supplier<? extends TieredCacheBuilder<?, ?>> template;
    private final boolean owned;
    private final Map<Overrides, TieredCache<Object, Object>> variants = new LinkedHashMap<>();
    private volatile List<TieredCache<Object, Object>> all;
    final ConcurrentHashMap<Object, CompletableFuture<Object>> flights = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    CacheGroup(TieredCache<?, ?> base, @Nullable Supplier<? extends TieredCacheBuilder<?, ?>> template, boolean owned) {
        this.base = (TieredCache<Object, Object>) base;
        this.name = base.name();
        this.template = template;
        this.owned = owned;
        variants.put(Overrides.NONE, this.base);
        this.all = List.of(this.base);
    }

    String name() {
        return name;
    }

    boolean hasTemplate() {
        return template != null;
    }

    TieredCache<Object, Object> base() {
        return base;
    }

    /** The cache for {@code overrides}, built from the template the first time. */
    @SuppressWarnings("unchecked")
    synchronized TieredCache<Object, Object> variant(Overrides overrides) {
        TieredCache<Object, Object> c = variants.get(overrides);
        if (c == null) {
            TieredCacheBuilder<?, ?> b = Objects.requireNonNull(
                            template, "variants are built only for a template-registered cache")
                    .get();
            if (overrides.expireAfterWrite() != null) {
                b.expireAfterWrite(overrides.expireAfterWrite());
            }
            if (overrides.refreshAfter() != null) {
                b.refreshAfter(overrides.refreshAfter());
            }
            c = (TieredCache<Object, Object>) b.build();
            if (!c.name().equals(name)) {
                c.close();
                throw new IllegalStateException(
                        "template of cache '" + name + "' built a cache named '" + c.name() + "'");
            }
            variants.put(overrides, c);
            all = List.copyOf(variants.values());
        }
        return c;
    }

    /** Puts {@code value} through the base cache's write strategy; other variants drop their copy first. */
    void put(Object key, @Nullable Object value) {
        List<TieredCache<Object, Object>> caches = all;
        for (TieredCache<Object, Object> c : caches) {
            if (c != base) {
                c.invalidate(key);
            }
        }
        if (value == null) {
            base.putNegative(key);
        } else {
            base.put(key, value);
        }
    }

    void evict(Object key) {
        for (TieredCache<Object, Object> c : all) {
            c.invalidate(key);
        }
    }

    void clear() {
        for (TieredCache<Object, Object> c : all) {
            c.invalidateAll();
        }
    }

    /** Closes the caches this group built (variants, and the base if it came from a template). */
    synchronized void close() {
        List<TieredCache<Object, Object>> built = new ArrayList<>(variants.values());
        if (!owned) {
            built.remove(base);
        }
        for (TieredCache<Object, Object> c : built) {
            c.close();
        }
    }
}
