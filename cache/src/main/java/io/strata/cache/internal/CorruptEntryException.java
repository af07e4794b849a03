package io.strata.cache.internal;

/** Bytes from a remote tier or queue that are not a valid entry. */
public final class CorruptEntryException extends RuntimeException {

    public CorruptEntryException(String message) {
        super(message);
    }

    public CorruptEntryException(String message, Throwable cause) {
        super(message, cause);
    }
}
