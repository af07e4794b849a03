package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.FakeClock;
import io.strata.cache.Item;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * L1 with a TTL equal to the cache TTL (10 minutes, as the contract's context): the 10% jitter
 * gives every value a shorter life than the L1 TTL. Issue 12, item 6: such entries were all
 * "short-lived" and every hit read the clock; now L1 expires each entry at its own time (Caffeine's
 * per-entry expiry) and a hit reads no clock of ours.
 */
class CaffeineTierEqualTtlTest extends TierContract {

    /** The fake clock, counting {@link #millis()} (Strata's reads; Caffeine's ticker reads {@link #instant()}). */
    private static final class CountingClock extends Clock {
        final FakeClock fake = new FakeClock();
        final AtomicInteger millisReads = new AtomicInteger();

        @Override
        public ZoneId getZone() {
            return fake.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return fake.instant();
        }

        @Override
        public long millis() {
            millisReads.incrementAndGet();
            return fake.millis();
        }
    }

    private final CountingClock counting = new CountingClock();

    CaffeineTierEqualTtlTest() {
        clock = counting;
    }

    @Override
    protected TierStore<Long, Item> open(TierContext<Long, Item> context) {
        return new CaffeineTierStore<>(context, 1000, -1, null, Duration.ofMinutes(10));
    }

    private Entry<Item> jittered(String name) {
        long now = counting.fake.millis();
        long life = Duration.ofMinutes(10).toMillis() * 95 / 100; // a 10-minute TTL less 5% jitter
        return new Entry<>(new Item(name, 1), 1, now, now + life, now + life);
    }

    @Test
    void hitsOnEntriesShorterLivedThanTheL1Ttl_readNoClock() {
        tier.put(1L, jittered("a"));
        int before = counting.millisReads.get();
        for (int i = 0; i < 100; i++) {
            assertThat(tier.get(1L)).isNotNull();
        }
        assertThat(counting.millisReads.get() - before).isZero();
    }

    @Test
    void entry_expiresAtItsOwnStaleUntil() {
        tier.put(1L, jittered("a")); // lives 9.5 minutes
        counting.fake.advance(Duration.ofSeconds(569));
        assertThat(tier.get(1L)).isNotNull();
        counting.fake.advance(Duration.ofSeconds(2));
        assertThat(tier.get(1L)).isNull();
    }

    @Test
    void entryOutlivingTheL1Ttl_expiresAtTheL1Ttl() {
        long now = counting.fake.millis();
        tier.put(1L, new Entry<>(new Item("long", 1), 1, now, now + 3_600_000, now + 3_600_000));
        counting.fake.advance(Duration.ofMinutes(9));
        assertThat(tier.get(1L)).isNotNull();
        counting.fake.advance(Duration.ofMinutes(2));
        assertThat(tier.get(1L)).isNull();
    }
}
