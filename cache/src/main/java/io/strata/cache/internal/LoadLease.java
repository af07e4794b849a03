package io.strata.cache.internal;

import java.time.Duration;

/** A cluster-wide, expiring, named lease: at most one holder per name until it expires or is released. */
public interface LoadLease {

    /** Takes the lease {@code name} for {@code holdTime} if nobody holds it; throws if the lease service is down. */
    boolean tryAcquire(String name, Duration holdTime);

    /** Gives the lease back if this member holds it. */
    void release(String name);
}
