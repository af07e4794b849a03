package io.strata.cache.annotation;

import org.jspecify.annotations.Nullable;

/**
 * A condition on a call, for {@code condition} and {@code unless}. Implementations need a public
 * no-argument constructor and must be thread-safe.
 */
@FunctionalInterface
public interface CachePredicate {

    /**
     * Whether the predicate holds for {@code arguments} and {@code result} ({@code null} when the
     * method has not run yet, or returned {@code null}; for a future, the value it completed with).
     */
    boolean test(Object[] arguments, @Nullable Object result);
}
