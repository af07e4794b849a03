package io.strata.router.reshard;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where one move stands, read from the journal and the servers.
 *
 * @param moveId the move's id
 * @param planId its plan's id
 * @param source the shard the slots leave
 * @param target the shard they go to
 * @param ranges the slot ranges, {@code lo-hi,lo-hi}
 * @param phase the journal phase
 * @param rowsTotal rows of the moving slots on the source when the copy started (plus broadcast rows
 *     for a new shard)
 * @param rowsCopied rows the target has received so far
 * @param rowsPerSecond copy rate since the copy started
 * @param lagBytes how far the target's subscription is behind the source's WAL ({@code -1} when
 *     there is no subscription)
 * @param eta estimated time until the copy is done, {@code null} when unknown
 * @param error the last error recorded for the move, or {@code null}
 */
public record MoveStatus(
        String moveId,
        String planId,
        String source,
        String target,
        String ranges,
        Phase phase,
        long rowsTotal,
        long rowsCopied,
        double rowsPerSecond,
        long lagBytes,
        @Nullable Duration eta,
        @Nullable String error) {

    /** The phases of a move, in order; {@link #ABORTED} ends a move that was rolled back. */
    public enum Phase {
        /** In the journal, nothing done on the shards yet. */
        PLANNED,
        /** Publication and subscription exist; the target copies the moving rows. */
        COPYING,
        /** Copy done; the target follows the source's changes. */
        CATCHUP,
        /** Every chunk's checksums matched on both sides. */
        VERIFIED,
        /** The moving slots are fenced on the source; draining. */
        FENCED,
        /** The map names the target (epoch N+1, slots still "moving"). */
        SWITCHED,
        /** Writes go to the target (epoch N+2); moved rows are being deleted from the source. */
        CLEANUP,
        /** Finished. */
        DONE,
        /** Rolled back: the source still owns the slots, the target holds none of their rows. */
        ABORTED;

        /** Whether the move has ended (DONE or ABORTED). */
        public boolean finished() {
            return this == DONE || this == ABORTED;
        }

        /** Whether the map already names the target: from here the move only rolls forward. */
        public boolean switched() {
            return this == SWITCHED || this == CLEANUP || this == DONE;
        }
    }

    /** One line, as the CLI prints it. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append(moveId)
                .append(' ')
                .append(source)
                .append("->")
                .append(target)
                .append(" slots ")
                .append(ranges)
                .append(' ')
                .append(phase);
        s.append(String.format(
                java.util.Locale.ROOT, " rows %d/%d (%.0f rows/s)", rowsCopied, rowsTotal, rowsPerSecond));
        if (lagBytes >= 0) {
            s.append(" lag ").append(lagBytes).append(" B");
        }
        if (eta != null) {
            s.append(" eta ").append(eta.toSeconds()).append(" s");
        }
        if (error != null) {
            s.append(" error: ").append(error);
        }
        return s.toString();
    }
}
