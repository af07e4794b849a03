package io.strata.router.internal.reshard;

import java.time.Duration;
import java.util.Objects;

/**
 * The mover's knobs.
 *
 * @param slots the map's slot count
 * @param metadataShard the shard holding {@code strata_meta.shard_map}, members and the journal
 * @param cutoverDeadline how long writes to the moving slots may stay fenced while draining; past it
 *     the cutover aborts and writes resume on the source
 * @param lease the members' map lease: after a switch, a member not heard from within it stops routing
 * @param maxClockSkew added to the lease when waiting out members that do not acknowledge
 * @param poll how often the mover polls the servers while waiting
 * @param verifyChunks into how many chunks each move's slots are cut for verification
 * @param deleteBatch rows per clean-up transaction on the source
 * @param drain whether the cutover waits for the subscription to confirm the source's WAL position
 *     (always true in use; false only to show a test's checker catches the loss)
 */
public record MoverSettings(
        int slots,
        String metadataShard,
        Duration cutoverDeadline,
        Duration lease,
        Duration maxClockSkew,
        Duration poll,
        int verifyChunks,
        int deleteBatch,
        boolean drain) {

    public MoverSettings {
        Objects.requireNonNull(metadataShard, "metadataShard cannot be null");
        requirePositive(cutoverDeadline, "cutoverDeadline");
        requirePositive(lease, "lease");
        Objects.requireNonNull(maxClockSkew, "maxClockSkew cannot be null");
        requirePositive(poll, "poll");
        if (verifyChunks < 1) {
            throw new IllegalArgumentException("verifyChunks must be at least 1 but was " + verifyChunks);
        }
        if (deleteBatch < 1) {
            throw new IllegalArgumentException("deleteBatch must be at least 1 but was " + deleteBatch);
        }
    }

    /** Defaults: 2 s cutover deadline, 5 s lease, 1 s skew, 20 ms polls, 4 verify chunks, 5000-row deletes. */
    public static MoverSettings defaults(int slots, String metadataShard) {
        return new MoverSettings(
                slots,
                metadataShard,
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ofMillis(20),
                4,
                5000,
                true);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name + " cannot be null");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive but was " + d);
        }
    }
}
