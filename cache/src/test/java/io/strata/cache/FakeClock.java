package io.strata.cache;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. */
public final class FakeClock extends Clock {

    private final AtomicLong nanos = new AtomicLong(1_700_000_000_000_000_000L);

    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        long n = nanos.get();
        return Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L);
    }

    @Override
    public long millis() {
        return nanos.get() / 1_000_000L;
    }
}
