package io.strata.replication.internal;

import java.time.Duration;

final class ChronoDurations {
    /** Stands for an unknown (unbounded) lag. */
    static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L);

    private ChronoDurations() {}
}
