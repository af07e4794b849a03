package io.strata.cache.internal;

import java.time.Duration;

/**
 * A cluster-wide, expiring, named lease: at most one holder per name until it expires or is
 * released. A released load lease leaves a marker with the release time for one hold time, so
 * that a member whose read of the shared tiers came before that release knows to read them again
 * (and one whose read came after knows it need not: one lookup per tier per miss).
 */
public interface LoadLease {

    /** What {@link #tryAcquireAfter} found. */
    enum Outcome {
        /** This member holds the lease now. */
        ACQUIRED,
        /** Another member holds it. */
        HELD,
        /** Nobody holds it, but a holder released it at or after {@code since}: read the shared tiers again. */
        RELEASED_SINCE
    }

    /** Takes the lease {@code name} for {@code holdTime} if nobody holds it; throws if the lease service is down. */
    boolean tryAcquire(String name, Duration holdTime);

    /**
     * Takes the lease {@code name} for {@code holdTime} unless another member holds it or released
     * it at or after {@code sinceMillis} (epoch milliseconds of the cache's clock, taken before this
     * member read the shared tiers); throws if the lease service is down.
     */
    Outcome tryAcquireAfter(String name, Duration holdTime, long sinceMillis);

    /** Gives the lease back if this member holds it, leaving a marker of the release time {@code nowMillis} for {@code markerTime}. */
    void release(String name, long nowMillis, Duration markerTime);
}
