package io.strata.cache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Always calls the interface method, then stores its result under the key (through the cache's
 * write strategy: a write-through cache writes its store first). A {@code null} result replaces the
 * entry with a negative one when the cache keeps negative entries, and removes it otherwise. The
 * method must not return {@code void}; a {@code CompletableFuture} result is stored when it
 * completes normally.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CachePut {

    /** The name of the cache, as registered with the factory. */
    String cache();

    /** The key, as in {@link Cached#key()}. */
    String key() default "";

    /** A key generator instead of {@link #key()}. */
    Class<? extends KeyGenerator> keyGenerator() default KeyGenerator.class;

    /** Store only when this predicate holds; it sees the arguments and the result. */
    Class<? extends CachePredicate> condition() default CachePredicate.class;

    /** Do not store when this predicate on the arguments and result holds. */
    Class<? extends CachePredicate> unless() default CachePredicate.class;
}
