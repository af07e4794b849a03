package io.strata.cache;

import org.jspecify.annotations.Nullable;

/** A cache operation that could not complete: a failed load, or a failed write-through store write. */
public class CacheException extends RuntimeException {

    /** An exception with a message and its cause. */
    public CacheException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** An exception with a message. */
    public CacheException(String message) {
        super(message);
    }
}
