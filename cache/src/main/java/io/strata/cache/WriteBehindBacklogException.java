package io.strata.cache;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link TieredCache#close()} when write-behind entries could not reach the store within
 * {@link WriteStrategy#closeTimeout()} and no {@linkplain WriteStrategy#withJournal journal} could
 * take them. The entries are still acknowledged and still queued, but only as long as the queue
 * lives: in the Hazelcast queue, as long as another member of the cluster runs. Shutting down the
 * last member now loses them. The cache itself is closed.
 */
public final class WriteBehindBacklogException extends CacheException {

    private static final long serialVersionUID = 1L;

    private final long entriesAtRisk;

    /** An exception for {@code entriesAtRisk} entries left queued, with the reason in {@code message}. */
    public WriteBehindBacklogException(String message, long entriesAtRisk, @Nullable Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
        this.entriesAtRisk = entriesAtRisk;
    }

    /** How many acknowledged entries were left in the queue (or {@code -1} if they could not be counted). */
    public long entriesAtRisk() {
        return entriesAtRisk;
    }
}
