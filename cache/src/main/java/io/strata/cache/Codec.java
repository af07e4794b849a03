package io.strata.cache;

import io.strata.cache.internal.JsonCodec;

/**
 * Turns values into bytes for the remote tiers and queues, and back. Decoding treats the bytes as
 * untrusted: it must either return a value of the declared type or throw.
 *
 * @param <T> the encoded type
 */
public interface Codec<T> {

    /** JSON through Jackson into exactly {@code type}: no polymorphic typing, no Java serialization. */
    static <T> Codec<T> json(Class<T> type) {
        return new JsonCodec<>(type);
    }

    /** The bytes for {@code value}, never {@code null}. */
    byte[] encode(T value);

    /** The value for {@code bytes}; throws any {@link RuntimeException} if they are not a valid value. */
    T decode(byte[] bytes);
}
