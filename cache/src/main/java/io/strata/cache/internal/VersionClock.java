package io.strata.cache.internal;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Versions for writes: microseconds of the clock, made strictly increasing within this clock (a
 * hybrid logical clock without the remote part). Across members, order follows wall time, so a
 * key written on two members within their clock skew may keep the earlier write; see README.
 */
public final class VersionClock {

    private final Clock clock;
    private final AtomicLong last = new AtomicLong();

    public VersionClock(Clock clock) {
        this.clock = clock;
    }

    public long next() {
        java.time.Instant t = clock.instant();
        long now = t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
        return last.updateAndGet(prev -> Math.max(now, prev + 1));
    }
}
