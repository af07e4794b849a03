package io.strata.cache.annotation;

import io.strata.cache.CacheException;
import io.strata.cache.CacheLookup;
import io.strata.cache.TieredCache;
import io.strata.cache.annotation.MethodPlan.Op;
import io.strata.cache.internal.DefaultTieredCache;
import io.strata.cache.internal.Entry;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@link MethodPlan}s of one interface to one target.
 *
 * <p>Order per call, as in Spring: an eviction before the invocation, then the cached read (or the
 * invocation), then the put, then an eviction after it. A {@code @Cached} miss calls the target
 * inside {@link TieredCache#get(Object, java.util.function.Function)}, so the cache's own
 * single-flight, cluster lease, negative caching and refresh-ahead apply to it. A result that
 * must not be stored ({@code unless}, a future still running) is returned through the load without
 * being cached ({@link TieredCache#get(Object, java.util.function.Function,
 * java.util.function.Predicate)}); the target's own exception is the load's failure.
 *
 * <p>Concurrency: plans are looked up by the proxy's {@code Method} objects, which the proxy class
 * keeps in static fields, so an identity map (copied on write) answers after the first call of each
 * method; the equality map behind it is immutable.
 */
final class CachingInvocationHandler implements InvocationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CachingInvocationHandler.class);
    private static final Object[] NO_ARGS = new Object[0];
    private static final Object NOT_FOUND = new Object();

    /**
     * An asynchronous result not yet stored: a future still running (its value is stored when it
     * completes) or one that failed. Returned through a load uncached, so callers that joined the
     * load share the future.
     */
    private record InFlight(CompletableFuture<Object> future) {}

    /**
     * One call's load through the cache: the loader, and whether its result may be stored. Loader and
     * predicate are one object so that a hit allocates no more than a single capturing lambda would.
     */
    private final class TargetLoad implements Function<Object, Object>, Predicate<Object> {
        private final MethodPlan plan;
        private final Op op;
        private final Object[] a;

        TargetLoad(MethodPlan plan, Op op, Object[] a) {
            this.plan = plan;
            this.op = op;
            this.a = a;
        }

        @Override
        public Object apply(Object key) {
            return plan.returns().async() ? loadAsync(plan, op, key, a, op.group().flights) : call(plan, a);
        }

        @Override
        public boolean test(Object result) {
            return !(result instanceof InFlight) && !op.vetoes(a, result);
        }
    }

    private final Class<?> type;
    private final Object target;
    private final Map<Method, MethodPlan> plans;
    private volatile Map<Method, MethodPlan> byIdentity = new IdentityHashMap<>();

    CachingInvocationHandler(Class<?> type, Object target, Map<Method, MethodPlan> plans) {
        this.type = type;
        this.target = target;
        this.plans = Map.copyOf(plans);
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Object[] a = args == null ? NO_ARGS : args;
        MethodPlan plan = byIdentity.get(method);
        if (plan == null) {
            plan = resolve(method);
            if (plan == null) {
                return objectMethod(proxy, method, a);
            }
        }
        try {
            if (plan.plain()) {
                return call(plan, a);
            }
            return plan.returns().async() ? invokeAsync(plan, a) : invokeSync(plan, a);
        } catch (TargetFailure f) {
            throw f.getCause();
        }
    }

    private @Nullable MethodPlan resolve(Method method) {
        MethodPlan plan = plans.get(method);
        if (plan == null) {
            try {
                plan = plans.get(type.getMethod(method.getName(), method.getParameterTypes()));
            } catch (NoSuchMethodException e) {
                return null;
            }
        }
        if (plan != null) {
            Map<Method, MethodPlan> copy = new IdentityHashMap<>(byIdentity);
            copy.put(method, plan);
            byIdentity = copy;
        }
        return plan;
    }

    private Object objectMethod(Object proxy, Method method, Object[] a) {
        return switch (method.getName()) {
            case "equals" -> proxy == a[0];
            case "hashCode" -> System.identityHashCode(proxy);
            case "toString" -> "CachingProxy[" + type.getSimpleName() + " -> " + target + "]";
            default -> throw new UnsupportedOperationException(method.toString());
        };
    }

    /** Calls the target; its exceptions come back as {@link TargetFailure}. */
    private Object call(MethodPlan plan, Object[] a) {
        try {
            return plan.method().invoke(target, a);
        } catch (InvocationTargetException e) {
            throw new TargetFailure(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + plan.method() + " on " + target, e);
        }
    }

    // ---- synchronous ------------------------------------------------------------------------

    private @Nullable Object invokeSync(MethodPlan plan, Object[] a) {
        Op evict = plan.evict();
        if (evict != null && evict.beforeInvocation() && evict.applies(a, null)) {
            evict(evict, a);
        }
        Op cached = plan.cached();
        Object result;
        if (cached != null && cached.applies(a, null)) {
            Object key = cached.key().key(target, a);
            result = cached.sync() ? readThrough(plan, cached, key, a) : readAside(plan, cached, key, a);
        } else {
            result = call(plan, a);
        }
        Op put = plan.put();
        if (put != null && put.applies(a, result) && !put.vetoes(a, result)) {
            put.group().put(put.key().key(target, a), result);
        }
        if (evict != null && !evict.beforeInvocation() && evict.applies(a, result)) {
            evict(evict, a);
        }
        return result;
    }

    /**
     * The cached value of {@code key} if L1 answers without any check (the common configuration:
     * no refresh-ahead, no stale window), else {@link #NOT_FOUND}: a hit builds no loader.
     */
    private static @Nullable Object quickHit(Op op, Object key) {
        if (key != null && op.cache() instanceof DefaultTieredCache<Object, Object> d) {
            Entry<Object> hit = d.hitWithoutChecks(key);
            if (hit != null) {
                return hit.value();
            }
        }
        return NOT_FOUND;
    }

    private @Nullable Object readThrough(MethodPlan plan, Op op, Object key, Object[] a) {
        Object hit = quickHit(op, key);
        if (hit != NOT_FOUND) {
            return hit;
        }
        Object v;
        try {
            TargetLoad load = new TargetLoad(plan, op, a);
            v = op.cache().get(key, load, load);
        } catch (CacheException e) {
            TargetFailure f = TargetFailure.in(e);
            throw f != null ? f : e;
        }
        // joined a load of the same key through an asynchronous method, whose future is still running
        return v instanceof InFlight f ? joinValue(f.future()) : v;
    }

    private @Nullable Object readAside(MethodPlan plan, Op op, Object key, Object[] a) {
        CacheLookup<Object> found = op.cache().lookup(key);
        if (found.present()) {
            return found.value();
        }
        Object r = call(plan, a);
        if (!op.vetoes(a, r)) {
            op.cache().putLoaded(key, r);
        }
        return r;
    }

    private static Object joinValue(CompletableFuture<Object> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw new TargetFailure(e.getCause() != null ? e.getCause() : e);
        }
    }

    private void evict(Op op, Object[] a) {
        if (op.allEntries()) {
            op.group().clear();
        } else {
            op.group().evict(op.key().key(target, a));
        }
    }

    // ---- asynchronous -----------------------------------------------------------------------

    private Object invokeAsync(MethodPlan plan, Object[] a) {
        Op evict = plan.evict();
        if (evict != null && evict.beforeInvocation() && evict.applies(a, null)) {
            evict(evict, a);
        }
        Op cached = plan.cached();
        CompletableFuture<Object> result;
        if (cached != null && cached.applies(a, null)) {
            result = readThroughAsync(plan, cached, cached.key().key(target, a), a);
        } else {
            result = future(plan, call(plan, a));
        }
        Op put = plan.put();
        if (put != null) {
            Object key = put.key().key(target, a);
            result = result.thenApply(v -> {
                if (put.applies(a, v) && !put.vetoes(a, v)) {
                    put.group().put(key, v);
                }
                return v;
            });
        }
        if (evict != null && !evict.beforeInvocation()) {
            result = result.thenApply(v -> {
                if (evict.applies(a, v)) {
                    evict(evict, a);
                }
                return v;
            });
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<Object> future(MethodPlan plan, Object returned) {
        if (returned == null) {
            throw new TargetFailure(
                    new NullPointerException(MethodPlanner.describe(plan.method()) + " returned null instead of a "
                            + plan.method().getReturnType().getSimpleName()));
        }
        return ((CompletionStage<Object>) returned).toCompletableFuture();
    }

    /**
     * A hit completes at once. A miss calls the target inside the cache's load (single-flight for the
     * call itself); a future still running is shared through the group's flights until it completes,
     * and its value is stored (before the callers' futures complete) unless it failed or is vetoed.
     */
    private CompletableFuture<Object> readThroughAsync(MethodPlan plan, Op op, Object key, Object[] a) {
        ConcurrentHashMap<Object, CompletableFuture<Object>> flights = op.group().flights;
        Object hit = quickHit(op, key);
        if (hit != NOT_FOUND) {
            return CompletableFuture.completedFuture(hit);
        }
        CompletableFuture<Object> inFlight = flights.get(key);
        if (inFlight != null) {
            return inFlight.thenApply(v -> v);
        }
        Object v;
        try {
            TargetLoad load = new TargetLoad(plan, op, a);
            v = op.cache().get(key, load, load);
        } catch (CacheException e) {
            TargetFailure f = TargetFailure.in(e);
            throw f != null ? f : e;
        }
        return v instanceof InFlight f ? f.future().thenApply(x -> x) : CompletableFuture.completedFuture(v);
    }

    /** The loaded value, or an {@link InFlight} for a future not completed normally yet. */
    private Object loadAsync(
            MethodPlan plan,
            Op op,
            Object key,
            Object[] a,
            ConcurrentHashMap<Object, CompletableFuture<Object>> flights) {
        CompletableFuture<Object> existing = flights.get(key);
        if (existing != null) {
            return new InFlight(existing);
        }
        CompletableFuture<Object> f = future(plan, call(plan, a));
        if (f.isDone() && !f.isCompletedExceptionally()) {
            return f.join();
        }
        if (f.isCompletedExceptionally()) {
            return new InFlight(f);
        }
        CompletableFuture<Object> shared = new CompletableFuture<>();
        flights.put(key, shared);
        f.whenComplete((v, ex) -> {
            try {
                if (ex == null && !op.vetoes(a, v)) {
                    op.cache().putLoaded(key, v);
                }
            } catch (RuntimeException storeFailure) {
                LOG.warn(
                        "cache {}: storing the value of {} for {} failed: {}",
                        op.group().name(),
                        MethodPlanner.describe(plan.method()),
                        key,
                        storeFailure.toString());
            } finally {
                flights.remove(key, shared);
                if (ex == null) {
                    shared.complete(v);
                } else {
                    shared.completeExceptionally(
                            ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex);
                }
            }
        });
        return new InFlight(shared);
    }
}
