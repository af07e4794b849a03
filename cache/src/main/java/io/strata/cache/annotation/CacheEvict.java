package io.strata.cache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Removes one key, or every entry, from a cache (every tier, and every member's L1). By default the
 * eviction happens after the method returns normally (for a {@code CompletableFuture}, after it
 * completes normally); with {@link #beforeInvocation()} it happens first, whatever the method does.
 * The method may return {@code void}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CacheEvict {

    /** The name of the cache, as registered with the factory. */
    String cache();

    /** The key, as in {@link Cached#key()}; ignored with {@link #allEntries()}. */
    String key() default "";

    /** A key generator instead of {@link #key()}. */
    Class<? extends KeyGenerator> keyGenerator() default KeyGenerator.class;

    /** Evict only when this predicate holds; it sees the result unless {@link #beforeInvocation()}. */
    Class<? extends CachePredicate> condition() default CachePredicate.class;

    /** Evict every entry of the cache instead of one key. */
    boolean allEntries() default false;

    /** Evict before calling the method, so the eviction happens even if the method throws. */
    boolean beforeInvocation() default false;
}
