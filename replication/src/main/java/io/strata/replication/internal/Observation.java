package io.strata.replication.internal;

/**
 * One poll of one node.
 *
 * @param sentAtNanos when the poll was sent, on the poller's monotonic clock (meaningful only on
 *     the member that polled)
 * @param sentAtWallMillis when the poll was sent, on the poller's wall clock (what another
 *     member's clock can be compared with, within the configured maximum clock skew)
 * @param ok whether the node answered; the other fields are meaningful only when it did
 * @param inRecovery {@code pg_is_in_recovery()}
 * @param lsn the primary's current WAL LSN, or a replica's replay LSN
 * @param timeline the timeline of a writable node (0 in recovery)
 */
record Observation(long sentAtNanos, long sentAtWallMillis, boolean ok, boolean inRecovery, long lsn, long timeline) {

    static Observation failed(long sentAtNanos, long sentAtWallMillis) {
        return new Observation(sentAtNanos, sentAtWallMillis, false, false, -1, 0);
    }
}
