package io.strata.cache;

import java.util.Objects;

/**
 * A value with the version the cache gave its write. Versions grow with every write of a key, so a
 * store can ignore a write older than what it holds (idempotent replays, out-of-order flushes).
 *
 * @param value   the value, never {@code null}
 * @param version the write's version
 * @param <V>     value type
 */
public record Versioned<V>(V value, long version) {

    /** Checks that {@code value} is not null. */
    public Versioned {
        Objects.requireNonNull(value, "value cannot be null");
    }
}
