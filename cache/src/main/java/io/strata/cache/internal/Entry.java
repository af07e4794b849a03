package io.strata.cache.internal;

import io.strata.cache.CacheLookup;
import org.jspecify.annotations.Nullable;

/**
 * One cached value with its metadata, as every tier holds it. Times are epoch milliseconds of the
 * cache's clock so that they mean the same on every member. An entry is also the answer of a
 * {@link io.strata.cache.TieredCache#lookup} hit, so that a lookup allocates nothing.
 *
 * @param value      the value, or {@code null} for a cached "absent" (negative entry)
 * @param version    the write's version (0 for a value loaded from the store)
 * @param createdAt  when the value was loaded or put; refresh-ahead counts from here
 * @param freshUntil after this the entry is stale
 * @param staleUntil after this the entry is gone (== freshUntil without stale-while-revalidate)
 */
public record Entry<V>(@Nullable V value, long version, long createdAt, long freshUntil, long staleUntil)
        implements CacheLookup<V> {

    /** Always {@code true}: an entry is a value or a negative entry. */
    @Override
    public boolean present() {
        return true;
    }

    /** Whether this entry records that the key has no value. */
    @Override
    public boolean negative() {
        return value == null;
    }

    /** Whether the entry may be served at {@code now} without a reload first. */
    public boolean fresh(long now) {
        return now < freshUntil;
    }

    /** Whether the entry may be served at all at {@code now}. */
    public boolean alive(long now) {
        return now < staleUntil;
    }

    /** Milliseconds left to live at {@code now}, at least 1. */
    public long ttlMillis(long now) {
        return Math.max(1, staleUntil - now);
    }
}
