package io.strata.cache;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How {@link TieredCache#put} reaches the {@link Store}: not at all (cache-aside), synchronously
 * before the tiers (write-through), or through a durable queue flushed in coalesced batches
 * (write-behind, which needs a {@link Coordination}). Immutable; the {@code with...} methods
 * return a copy.
 */
public final class WriteStrategy {

    /** The kind of strategy. */
    public enum Kind {
        /** The application writes the store itself; the cache only reads through. */
        CACHE_ASIDE,
        /** Store first, then the tiers; a failed store write throws and leaves the tiers alone. */
        WRITE_THROUGH,
        /** Tiers plus a durable queue; the store is written later by one owner per partition. */
        WRITE_BEHIND
    }

    private final Kind kind;
    private final int batchSize;
    private final Duration flushInterval;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final int partitions;
    private final Duration closeTimeout;
    private final @Nullable Path journal;

    private WriteStrategy(
            Kind kind,
            int batchSize,
            Duration flushInterval,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            int partitions,
            Duration closeTimeout,
            @Nullable Path journal) {
        this.kind = kind;
        this.batchSize = batchSize;
        this.flushInterval = flushInterval;
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.partitions = partitions;
        this.closeTimeout = closeTimeout;
        this.journal = journal;
    }

    private static WriteStrategy of(Kind kind) {
        return new WriteStrategy(
                kind,
                500,
                Duration.ofMillis(100),
                10,
                Duration.ofMillis(100),
                Duration.ofSeconds(10),
                16,
                Duration.ofSeconds(30),
                null);
    }

    /** Cache-aside: puts touch the tiers only. */
    public static WriteStrategy cacheAside() {
        return of(Kind.CACHE_ASIDE);
    }

    /** Write-through: {@code Store.write}, then the tiers. */
    public static WriteStrategy writeThrough() {
        return of(Kind.WRITE_THROUGH);
    }

    /**
     * Write-behind with batches of 500, a flush every 100 ms, 10 attempts with backoff from 100 ms to
     * 10 s before a write is dead-lettered, 16 stream partitions (Redis queue only), a close that
     * waits up to 30 s for the queue to drain, and no close journal (a Hazelcast queue that cannot
     * drain on close throws {@link WriteBehindBacklogException}).
     */
    public static WriteStrategy writeBehind() {
        return of(Kind.WRITE_BEHIND);
    }

    /** The kind. */
    public Kind kind() {
        return kind;
    }

    /** Most writes per store batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Pause between flush rounds when the queue is empty. */
    public Duration flushInterval() {
        return flushInterval;
    }

    /** Store attempts per write before it is dead-lettered. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** First retry delay; doubled per attempt up to {@link #maxBackoff()}. */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** Longest retry delay. */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** Number of queue partitions (Redis Streams); Hazelcast uses its own partitions. */
    public int partitions() {
        return partitions;
    }

    /**
     * How long {@link TieredCache#close()} waits for the write-behind queue to drain into the store
     * (a store that stays down keeps it from draining). What is left then goes to the
     * {@linkplain #journal() journal}, or {@code close()} throws {@link WriteBehindBacklogException}.
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * The folder of the close journal (Hazelcast queue), or {@code null} when there is none. See
     * {@link #withJournal(Path)}.
     */
    public @Nullable Path journal() {
        return journal;
    }

    /** A copy whose {@code close()} waits at most {@code closeTimeout} for the queue to drain (default 30 s). */
    public WriteStrategy withCloseTimeout(Duration closeTimeout) {
        requirePositive(closeTimeout, "closeTimeout");
        return new WriteStrategy(
                kind,
                batchSize,
                flushInterval,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                partitions,
                closeTimeout,
                journal);
    }

    /**
     * A copy with a close journal in {@code directory} (Hazelcast queue; created if missing). A close
     * that cannot drain the queue within {@link #closeTimeout()} (the store is down) writes every
     * entry still queued to {@code <directory>/strata-wb.<cache>.journal}, fsynced, and returns
     * normally; the next cache of that name built with this journal folder writes the journal to the
     * store (or back into the queue while the store is down) before it serves anything. Use a folder
     * on local persistent disk that survives a restart (not a tmpfs), the same one on every start.
     */
    public WriteStrategy withJournal(Path directory) {
        Objects.requireNonNull(directory, "journal cannot be null");
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("journal must be a directory, was the file " + directory);
        }
        return new WriteStrategy(
                kind,
                batchSize,
                flushInterval,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                partitions,
                closeTimeout,
                directory.toAbsolutePath());
    }

    /** A copy with batches of at most {@code batchSize} writes. */
    public WriteStrategy withBatchSize(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, was " + batchSize);
        }
        return new WriteStrategy(
                kind,
                batchSize,
                flushInterval,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                partitions,
                closeTimeout,
                journal);
    }

    /** A copy that pauses {@code flushInterval} between rounds when idle. */
    public WriteStrategy withFlushInterval(Duration flushInterval) {
        requirePositive(flushInterval, "flushInterval");
        return new WriteStrategy(
                kind,
                batchSize,
                flushInterval,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                partitions,
                closeTimeout,
                journal);
    }

    /** A copy that dead-letters a write after {@code maxAttempts} failed store attempts. */
    public WriteStrategy withMaxAttempts(int maxAttempts) {
        if (maxAttempts <= 0) {
            throw new IllegalArgumentException("maxAttempts must be > 0, was " + maxAttempts);
        }
        return new WriteStrategy(
                kind,
                batchSize,
                flushInterval,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                partitions,
                closeTimeout,
                journal);
    }

    /** A copy retrying after {@code initial}, doubling up to {@code max}. */
    public WriteStrategy withBackoff(Duration initial, Duration max) {
        requirePositive(initial, "initialBackoff");
        requirePositive(max, "maxBackoff");
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("maxBackoff must be >= initialBackoff, was " + max + " < " + initial);
        }
        return new WriteStrategy(
                kind, batchSize, flushInterval, maxAttempts, initial, max, partitions, closeTimeout, journal);
    }

    /** A copy with {@code partitions} Redis stream partitions. */
    public WriteStrategy withPartitions(int partitions) {
        if (partitions <= 0 || partitions > 1024) {
            throw new IllegalArgumentException("partitions must be in 1..1024, was " + partitions);
        }
        return new WriteStrategy(
                kind,
                batchSize,
                flushInterval,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                partitions,
                closeTimeout,
                journal);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name + " cannot be null");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
    }

    @Override
    public String toString() {
        return kind == Kind.WRITE_BEHIND
                ? "WRITE_BEHIND[batchSize=" + batchSize + ", flushInterval=" + flushInterval + ", maxAttempts="
                        + maxAttempts + ", backoff=" + initialBackoff + ".." + maxBackoff + ", partitions=" + partitions
                        + ", closeTimeout=" + closeTimeout + ", journal=" + journal + "]"
                : kind.name();
    }
}
