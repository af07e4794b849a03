package io.strata.cache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Caches the result of an interface method in a {@link io.strata.cache.TieredCache}: a hit returns
 * the cached value without calling the implementation; a miss calls it once per key (single-flight)
 * and stores the result. Applied by {@link CachingProxyFactory}.
 *
 * <p>A {@code null} result is cached as a negative entry when the cache's negative TTL is above
 * zero, and not cached otherwise. A method returning {@code CompletableFuture} or
 * {@code CompletionStage} caches the value the future completes with; a failed future caches
 * nothing. The method must not return {@code void}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Cached {

    /** The name of the cache, as registered with the factory. */
    String cache();

    /**
     * The key: empty for all parameters (none: {@link CacheKey#EMPTY}; one: the parameter itself;
     * several: a {@link CacheKey} of them), or a comma-separated list of parameter names and property
     * paths such as {@code "order.customerId"} (one path: its value; several: a {@link CacheKey}).
     */
    String key() default "";

    /** A key generator instead of {@link #key()}; instantiated by its no-argument constructor. */
    Class<? extends KeyGenerator> keyGenerator() default KeyGenerator.class;

    /** Cache only when this predicate on the arguments holds (the result is {@code null} then). */
    Class<? extends CachePredicate> condition() default CachePredicate.class;

    /** Do not store a freshly computed result when this predicate on the arguments and result holds. */
    Class<? extends CachePredicate> unless() default CachePredicate.class;

    /**
     * Overrides the cache's TTL for this method, as an ISO-8601 duration ({@code "PT30S"}); needs the
     * cache registered as a template ({@link CachingProxyFactory.Builder#cacheTemplate}).
     */
    String expireAfterWrite() default "";

    /** Overrides the cache's refresh-ahead age, as an ISO-8601 duration; needs a template as above. */
    String refreshAfter() default "";

    /**
     * Single-flight: concurrent misses of one key call the method once and share its result (default).
     * With {@code false} each miss calls the method and stores its result.
     */
    boolean sync() default true;
}
