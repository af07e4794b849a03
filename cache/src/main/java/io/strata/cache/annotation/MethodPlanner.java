package io.strata.cache.annotation;

import io.strata.cache.TieredCache;
import io.strata.cache.annotation.KeyExpression.KeyFunction;
import io.strata.cache.annotation.MethodPlan.Op;
import io.strata.cache.annotation.MethodPlan.Returns;
import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Reads and checks a method's annotations into a {@link MethodPlan}, adding every problem to a list. */
final class MethodPlanner {

    private final Map<String, CacheGroup> groups;

    MethodPlanner(Map<String, CacheGroup> groups) {
        this.groups = groups;
    }

    /** The plan of {@code m}; problems go to {@code errors}, prefixed with the method. */
    MethodPlan plan(Method m, List<String> errors) {
        Returns returns = Returns.of(m.getReturnType());
        Cached cached = m.getAnnotation(Cached.class);
        CachePut put = m.getAnnotation(CachePut.class);
        CacheEvict evict = m.getAnnotation(CacheEvict.class);
        ErrorSink sink = new ErrorSink(describe(m), errors);
        if (cached != null && put != null) {
            sink.add("@Cached and @CachePut on one method: a method either reads through the cache or always runs");
        }
        if (returns == Returns.VOID) {
            if (cached != null) {
                sink.add("@Cached on a method returning " + m.getReturnType().getSimpleName()
                        + ": there is no result to cache");
            }
            if (put != null) {
                sink.add("@CachePut on a method returning " + m.getReturnType().getSimpleName()
                        + ": there is no result to put");
            }
        }
        Op cachedOp = null;
        if (cached != null) {
            CacheGroup.Overrides overrides = overrides(cached, sink);
            cachedOp = op(
                    "@Cached",
                    m,
                    cached.cache(),
                    cached.key(),
                    cached.keyGenerator(),
                    cached.condition(),
                    cached.unless(),
                    cached.sync(),
                    false,
                    false,
                    overrides,
                    sink);
        }
        Op putOp = put == null
                ? null
                : op(
                        "@CachePut",
                        m,
                        put.cache(),
                        put.key(),
                        put.keyGenerator(),
                        put.condition(),
                        put.unless(),
                        true,
                        false,
                        false,
                        CacheGroup.Overrides.NONE,
                        sink);
        Op evictOp = evict == null
                ? null
                : op(
                        "@CacheEvict",
                        m,
                        evict.cache(),
                        evict.key(),
                        evict.keyGenerator(),
                        evict.condition(),
                        CachePredicate.class,
                        true,
                        evict.allEntries(),
                        evict.beforeInvocation(),
                        CacheGroup.Overrides.NONE,
                        sink);
        return new MethodPlan(m, returns, cachedOp, putOp, evictOp);
    }

    private CacheGroup.Overrides overrides(Cached cached, ErrorSink sink) {
        Duration ttl = duration("expireAfterWrite", cached.expireAfterWrite(), sink);
        Duration refresh = duration("refreshAfter", cached.refreshAfter(), sink);
        if (ttl == null && refresh == null) {
            return CacheGroup.Overrides.NONE;
        }
        return new CacheGroup.Overrides(ttl, refresh);
    }

    private static @Nullable Duration duration(String attribute, String text, ErrorSink sink) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            Duration d = Duration.parse(text);
            if (d.isNegative() || d.isZero()) {
                sink.add("@Cached(" + attribute + " = \"" + text + "\") must be > 0");
                return null;
            }
            return d;
        } catch (DateTimeParseException e) {
            sink.add("@Cached(" + attribute + " = \"" + text + "\") is not an ISO-8601 duration such as \"PT30S\"");
            return null;
        }
    }

    private Op op(
            String annotation,
            Method m,
            String cacheName,
            String key,
            Class<? extends KeyGenerator> generator,
            Class<? extends CachePredicate> condition,
            Class<? extends CachePredicate> unless,
            boolean sync,
            boolean allEntries,
            boolean before,
            CacheGroup.Overrides overrides,
            ErrorSink sink) {
        CacheGroup group = groups.get(cacheName);
        if (group == null) {
            sink.add(annotation + ": unknown cache '" + cacheName + "'; known caches are " + groups.keySet());
        }
        KeyFunction keyFunction = null;
        boolean hasGenerator = generator != KeyGenerator.class;
        if (hasGenerator && !key.isEmpty()) {
            sink.add(annotation + ": key \"" + key + "\" and keyGenerator " + generator.getSimpleName()
                    + " both set; use one");
        } else if (hasGenerator) {
            KeyGenerator g = instantiate(annotation + ".keyGenerator", generator, sink);
            if (g != null) {
                keyFunction = (target, args) -> g.generate(target, m, args);
            }
        } else if (key.isEmpty()) {
            keyFunction = KeyExpression.allParameters(m);
        } else {
            keyFunction = KeyExpression.compile(key, m, sink.prefixed(annotation + ": "));
        }
        CachePredicate cond =
                condition == CachePredicate.class ? null : instantiate(annotation + ".condition", condition, sink);
        CachePredicate veto = unless == CachePredicate.class ? null : instantiate(annotation + ".unless", unless, sink);
        TieredCache<Object, Object> cache = null;
        if (group != null) {
            if (overrides == CacheGroup.Overrides.NONE) {
                cache = group.base();
            } else if (!group.hasTemplate()) {
                sink.add(annotation + ": expireAfterWrite/refreshAfter overrides need cache '" + cacheName
                        + "' registered with cacheTemplate(...), not as a built TieredCache");
            } else if (!sink.failed()) {
                try {
                    cache = group.variant(overrides);
                } catch (RuntimeException e) {
                    sink.add(annotation + ": cannot build cache '" + cacheName + "' with " + overrides + ": "
                            + e.getMessage());
                }
            }
        }
        // group, cache and keyFunction are null only after an error went to sink; the factory then
        // rejects the whole proxy, so such an Op is never run.
        @SuppressWarnings("NullAway")
        Op op = new Op(annotation, group, cache, keyFunction, cond, veto, sync, allEntries, before);
        return op;
    }

    private static <T> @Nullable T instantiate(String what, Class<? extends T> type, ErrorSink sink) {
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
            sink.add(what + ": " + type.getName() + " is not a concrete class");
            return null;
        }
        try {
            Constructor<? extends T> c = type.getDeclaredConstructor();
            c.setAccessible(true);
            return c.newInstance();
        } catch (NoSuchMethodException e) {
            sink.add(what + ": " + type.getName() + " has no no-argument constructor");
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            sink.add(what + ": cannot instantiate " + type.getName() + ": " + cause);
        }
        return null;
    }

    static String describe(Method m) {
        StringBuilder b = new StringBuilder(m.getDeclaringClass().getSimpleName())
                .append('.')
                .append(m.getName())
                .append('(');
        Class<?>[] p = m.getParameterTypes();
        for (int i = 0; i < p.length; i++) {
            b.append(i == 0 ? "" : ", ").append(p[i].getSimpleName());
        }
        return b.append(')').toString();
    }

    /** True if {@code m} carries any of the three annotations. */
    static boolean annotated(Method m) {
        for (Class<? extends Annotation> a : List.of(Cached.class, CachePut.class, CacheEvict.class)) {
            if (m.isAnnotationPresent(a)) {
                return true;
            }
        }
        return false;
    }

    /** Collects problems of one method, each prefixed with it. */
    private static final class ErrorSink {
        private final String method;
        private final List<String> errors;
        private final int start;

        ErrorSink(String method, List<String> errors) {
            this.method = method;
            this.errors = errors;
            this.start = errors.size();
        }

        void add(String message) {
            errors.add(method + ": " + message);
        }

        boolean failed() {
            return errors.size() > start;
        }

        /** A list view that adds with this sink's method and {@code prefix}. */
        List<String> prefixed(String prefix) {
            return new java.util.AbstractList<>() {
                @Override
                public String get(int index) {
                    return errors.get(index);
                }

                @Override
                public int size() {
                    return errors.size();
                }

                @Override
                public boolean add(String s) {
                    return errors.add(method + ": " + prefix + s);
                }
            };
        }
    }
}
