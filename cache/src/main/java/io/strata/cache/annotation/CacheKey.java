package io.strata.cache.annotation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A key made of several values (the arguments of a call, or the paths of a key expression), equal
 * when its parts are equal (arrays compared by content). Encodes as a JSON array with the default
 * key codec; a remote tier decodes it back to JSON types, so for remote tiers prefer one-valued keys.
 *
 * @param parts the values, in order; may contain {@code null}
 */
public record CacheKey(List<Object> parts) {

    /** The key of a method without parameters. */
    public static final CacheKey EMPTY = new CacheKey(List.of());

    /** A copy of {@code parts}. */
    public CacheKey {
        parts = Collections.unmodifiableList(new ArrayList<>(parts));
    }

    /** The key of these values. */
    public static CacheKey of(Object... parts) {
        return parts.length == 0 ? EMPTY : new CacheKey(Arrays.asList(parts));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey k && Arrays.deepEquals(parts.toArray(), k.parts.toArray());
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(parts.toArray());
    }

    @Override
    public String toString() {
        return "CacheKey" + Arrays.deepToString(parts.toArray());
    }
}
