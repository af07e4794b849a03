package io.strata.cache.annotation;

import io.strata.cache.TieredCache;
import io.strata.cache.TieredCacheBuilder;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Applies {@link Cached}, {@link CachePut} and {@link CacheEvict} on interface methods to any
 * implementation, through a JDK dynamic proxy over {@link TieredCache}s registered by name.
 *
 * <pre>{@code
 * CachingProxyFactory caching = CachingProxyFactory.builder().cache(booksCache).build();
 * Books books = caching.proxy(Books.class, new JdbcBooks(dataSource));
 * }</pre>
 *
 * <p>Every annotation is checked when the proxy is created, and all problems are reported together
 * in one {@link IllegalArgumentException}: an unknown cache, a key expression naming a parameter or
 * property that does not exist, {@code @Cached}/{@code @CachePut} on a method returning
 * {@code void}, a key generator or predicate that cannot be instantiated, an unparsable or
 * unsupported TTL override, annotations found on the implementation but not on the interface.
 *
 * <p>Thread-safe. {@link #close()} closes only the caches the factory built from templates.
 */
public final class CachingProxyFactory implements AutoCloseable {

    private final Map<String, CacheGroup> groups;

    private CachingProxyFactory(Map<String, CacheGroup> groups) {
        this.groups = groups;
    }

    /** A builder with no caches yet. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A proxy implementing {@code type} that applies its methods' cache annotations and otherwise
     * calls {@code target}. Exceptions of {@code target} reach the caller unchanged.
     *
     * @throws IllegalArgumentException listing every misconfiguration found
     */
    public <T> T proxy(Class<T> type, T target) {
        Objects.requireNonNull(type, "type cannot be null");
        Objects.requireNonNull(target, "target cannot be null");
        if (!type.isInterface()) {
            throw new IllegalArgumentException("type must be an interface, was " + type.getName());
        }
        if (!type.isInstance(target)) {
            throw new IllegalArgumentException("target must implement " + type.getName() + ", was "
                    + target.getClass().getName());
        }
        List<String> errors = new ArrayList<>();
        MethodPlanner planner = new MethodPlanner(groups);
        Map<Method, MethodPlan> plans = new HashMap<>();
        for (Method m : type.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            MethodPlan plan = planner.plan(m, errors);
            try {
                m.setAccessible(true); // interfaces need not be public
            } catch (RuntimeException e) {
                if (!Modifier.isPublic(type.getModifiers())) {
                    errors.add(MethodPlanner.describe(m) + ": cannot be made accessible: " + e.getMessage());
                }
            }
            plans.put(m, plan);
        }
        for (Method m : target.getClass().getMethods()) {
            if (MethodPlanner.annotated(m) && m.getDeclaringClass() != type) {
                MethodPlan onInterface = plans.get(interfaceMethod(type, m));
                if (onInterface == null || onInterface.plain()) {
                    errors.add(target.getClass().getSimpleName() + "." + m.getName()
                            + ": cache annotations are read from interface methods only; move them to "
                            + type.getSimpleName());
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("cannot create a caching proxy for " + type.getName() + ", "
                    + errors.size() + (errors.size() == 1 ? " problem:" : " problems:") + "\n  - "
                    + String.join("\n  - ", errors));
        }
        Object proxy = Proxy.newProxyInstance(
                type.getClassLoader(), new Class<?>[] {type}, new CachingInvocationHandler(type, target, plans));
        return type.cast(proxy);
    }

    private static @Nullable Method interfaceMethod(Class<?> type, Method m) {
        try {
            return type.getMethod(m.getName(), m.getParameterTypes());
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** The names of the registered caches. */
    public java.util.Set<String> cacheNames() {
        return groups.keySet();
    }

    /** Closes the caches built from templates (including per-method variants); registered caches stay open. */
    @Override
    public void close() {
        for (CacheGroup g : groups.values()) {
            g.close();
        }
    }

    /** Builds a {@link CachingProxyFactory}. */
    public static final class Builder {

        private final Map<String, CacheGroup> groups = new LinkedHashMap<>();
        private final List<CacheGroup> built = new ArrayList<>();

        private Builder() {}

        /** Registers {@code cache} under its name; the caller keeps ownership (and closes it). */
        public Builder cache(TieredCache<?, ?> cache) {
            Objects.requireNonNull(cache, "cache cannot be null");
            return add(new CacheGroup(cache, null, false));
        }

        /**
         * Registers a cache built from {@code template} now, and again (with the override applied) for
         * each distinct {@code expireAfterWrite}/{@code refreshAfter} override found on a {@link Cached}
         * method. {@code template} must return a new builder on each call. The factory owns and closes
         * these caches.
         */
        public Builder cacheTemplate(Supplier<? extends TieredCacheBuilder<?, ?>> template) {
            Objects.requireNonNull(template, "template cannot be null");
            TieredCacheBuilder<?, ?> b = Objects.requireNonNull(template.get(), "template returned null");
            CacheGroup g = new CacheGroup(b.build(), template, true);
            built.add(g);
            return add(g);
        }

        private Builder add(CacheGroup group) {
            if (groups.containsKey(group.name())) {
                if (built.contains(group)) {
                    group.close();
                    built.remove(group);
                }
                throw new IllegalArgumentException("cache: a cache named '" + group.name() + "' is already registered");
            }
            groups.put(group.name(), group);
            return this;
        }

        /** The factory. */
        public CachingProxyFactory build() {
            return new CachingProxyFactory(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(groups)));
        }
    }
}
