package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.FakeClock;
import io.strata.cache.Item;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CaffeineTierTest extends TierContract {

    private final FakeClock fake = new FakeClock();

    CaffeineTierTest() {
        clock = fake;
    }

    @Override
    protected TierStore<Long, Item> open(TierContext<Long, Item> context) {
        return new CaffeineTierStore<>(context, 1000, -1, null, Duration.ofMinutes(5));
    }

    @Test
    void entry_expiresAtItsStaleUntil_onTheInjectedClock() {
        tier.put(1L, entry("a", 1)); // lives 90 s
        fake.advance(Duration.ofSeconds(89));
        assertThat(tier.get(1L)).isNotNull();
        fake.advance(Duration.ofSeconds(2));
        assertThat(tier.get(1L)).isNull();
    }

    @Test
    void entryOutlivingTheL1Ttl_expiresAtTheL1Ttl() {
        long now = fake.millis();
        tier.put(1L, new Entry<>(new Item("long", 1), 1, now, now + 3_600_000, now + 3_600_000));
        fake.advance(Duration.ofMinutes(4));
        assertThat(tier.get(1L)).isNotNull();
        fake.advance(Duration.ofMinutes(2));
        assertThat(tier.get(1L)).isNull();
    }

    @Test
    void gets_areCountedByMicrometersCaffeineBinder() {
        tier.put(1L, entry("a", 1));
        tier.get(1L);
        tier.get(2L);
        assertThat(registry.get("cache.gets")
                        .tag("result", "hit")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("cache.gets")
                        .tag("result", "miss")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
    }
}
