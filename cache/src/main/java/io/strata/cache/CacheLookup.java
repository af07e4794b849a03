package io.strata.cache;

import org.jspecify.annotations.Nullable;

/**
 * What {@link TieredCache#lookup} found for a key: a value, a negative entry (the key is cached as
 * having no value), or nothing (a miss).
 *
 * <p>A hit answers with the cached entry itself, so a lookup allocates nothing.
 *
 * @param <V> value type
 */
public interface CacheLookup<V> {

    /** Whether the cache holds an entry for the key: a value or a negative entry; {@code false} on a miss. */
    boolean present();

    /** Whether the entry records that the key has no value; {@code false} on a miss and on a value. */
    boolean negative();

    /** The cached value; {@code null} for a negative entry and on a miss. */
    @Nullable
    V value();
}
