package io.strata.cache;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How a cache reads and writes the source of truth. Writes carry a version: an implementation must
 * apply a write only if it is newer than the stored version, so replays are harmless.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface Store<K, V> {

    /** The stored value for {@code key}, or {@code null} if there is none. */
    @Nullable
    V load(K key);

    /** The stored values for {@code keys}; absent keys are left out. */
    default Map<K, V> loadAll(Collection<? extends K> keys) {
        Map<K, V> result = new HashMap<>();
        for (K key : keys) {
            V value = load(key);
            if (value != null) {
                result.put(key, value);
            }
        }
        return result;
    }

    /** Stores {@code value} for {@code key} unless a write with a version >= {@code version} is stored. */
    void write(K key, V value, long version);

    /** Writes every entry as {@link #write} would, ideally in one round trip. */
    default void writeAll(Map<? extends K, Versioned<V>> entries) {
        entries.forEach((key, versioned) -> write(key, versioned.value(), versioned.version()));
    }

    /** Deletes {@code key}. */
    void delete(K key);
}
