package io.strata.replication.internal;

/**
 * The primary's WAL position over time, on Strata's clock: a ring of {@code (lsn, seenAt)}
 * where {@code seenAt} is the latest poll (its send time) at which the primary's LSN was
 * {@code lsn}. A replica that has replayed {@code lsn} holds every commit acknowledged before
 * {@code seenAt}, so its staleness is at most {@code now - seenAt}; that is how lag in time is
 * measured without comparing server clocks.
 *
 * <p>Not thread-safe: used under the replica set's lock.
 */
final class LsnSamples {

    private final long[] lsns;
    private final long[] times;
    private int size;
    private int head; // index of the newest sample

    LsnSamples(int capacity) {
        lsns = new long[capacity];
        times = new long[capacity];
    }

    void record(long nanos, long lsn) {
        if (size > 0 && lsns[head] == lsn) {
            times[head] = nanos;
            return;
        }
        if (size > 0 && lsn < lsns[head]) {
            // The LSN went backwards: a different server (after promotion). Start over.
            clear();
        }
        head = size == 0 ? 0 : (head + 1) % lsns.length;
        lsns[head] = lsn;
        times[head] = nanos;
        if (size < lsns.length) {
            size++;
        }
    }

    void clear() {
        size = 0;
        head = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long latestLsn() {
        return size == 0 ? -1 : lsns[head];
    }

    /**
     * The {@code seenAt} of the newest sample whose LSN is at most {@code replayLsn}, or
     * Long.MIN_VALUE when there is none (the replica is older than the whole ring).
     */
    long freshAsOf(long replayLsn) {
        // Samples are increasing in LSN from oldest to newest: binary search over the ring.
        int lo = 0;
        int hi = size - 1; // positions counted back from the newest: 0 = newest
        int found = -1;
        // position p (0 = oldest) maps to index (head - size + 1 + p) mod capacity
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int idx = Math.floorMod(head - size + 1 + mid, lsns.length);
            if (lsns[idx] <= replayLsn) {
                found = idx;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? Long.MIN_VALUE : times[found];
    }
}
