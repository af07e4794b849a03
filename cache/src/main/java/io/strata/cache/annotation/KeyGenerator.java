package io.strata.cache.annotation;

import java.lang.reflect.Method;

/**
 * Computes a cache key from a call, for keys a key expression cannot say. Implementations need a
 * public no-argument constructor and must be thread-safe; the key must not be {@code null} and
 * must have value semantics ({@code equals}/{@code hashCode}), and remote tiers must be able to
 * encode it with the cache's key codec.
 */
@FunctionalInterface
public interface KeyGenerator {

    /** The key for calling {@code method} on {@code target} with {@code arguments}. */
    Object generate(Object target, Method method, Object[] arguments);
}
