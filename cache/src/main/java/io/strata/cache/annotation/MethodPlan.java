package io.strata.cache.annotation;

import io.strata.cache.TieredCache;
import io.strata.cache.annotation.KeyExpression.KeyFunction;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/** What the proxy does for one interface method; computed and checked when the proxy is created. */
record MethodPlan(
        Method method,
        Returns returns,
        @Nullable Op cached,
        @Nullable Op put,
        @Nullable Op evict) {

    /** The shape of the return type. */
    enum Returns {
        VALUE,
        VOID,
        FUTURE,
        STAGE;

        static Returns of(Class<?> type) {
            if (type == void.class || type == Void.class) {
                return VOID;
            }
            if (type == java.util.concurrent.CompletableFuture.class) {
                return FUTURE;
            }
            if (type == java.util.concurrent.CompletionStage.class) {
                return STAGE;
            }
            return VALUE;
        }

        boolean async() {
            return this == FUTURE || this == STAGE;
        }
    }

    /**
     * One annotation, resolved: its cache group, the cache it reads (a variant for overrides), its
     * key, and its predicates ({@code null} when absent).
     */
    record Op(
            String annotation,
            CacheGroup group,
            TieredCache<Object, Object> cache,
            KeyFunction key,
            @Nullable CachePredicate condition,
            @Nullable CachePredicate unless,
            boolean sync,
            boolean allEntries,
            boolean beforeInvocation) {

        boolean applies(Object[] args, @Nullable Object result) {
            return condition == null || condition.test(args, result);
        }

        boolean vetoes(Object[] args, @Nullable Object result) {
            return unless != null && unless.test(args, result);
        }
    }

    boolean plain() {
        return cached == null && put == null && evict == null;
    }
}
