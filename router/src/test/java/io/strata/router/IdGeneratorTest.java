package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The id layout and the clock rules of {@link IdGenerator}, with an injected clock (no database). */
class IdGeneratorTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        final AtomicLong millis;

        ManualClock(long millis) {
            this.millis = new AtomicLong(millis);
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
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    private static final long T0 = Instant.parse("2026-11-30T12:00:00Z").toEpochMilli();

    private static IdGenerator fixed(ManualClock clock, ShardMap map) throws SQLException {
        IdGenerator.Builder b = IdGenerator.builder().nodeId(5).clock(clock).maxClockWait(Duration.ofSeconds(2));
        if (map != null) {
            b.shardMap(map);
        }
        return b.build();
    }

    @Test
    void idsAreUniqueAndTimeOrderedAndCarryTheirTime() throws SQLException {
        ManualClock clock = new ManualClock(T0);
        IdGenerator ids = fixed(clock, null);
        long previous = Long.MIN_VALUE;
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            if (i % 1000 == 0) {
                clock.millis.addAndGet(1);
            }
            long id = ids.next();
            assertThat(id).isPositive().isGreaterThan(previous);
            assertThat(seen.add(id)).isTrue();
            previous = id;
        }
        assertThat(IdGenerator.timestampOf(previous)).isEqualTo(clock.millis());
        assertThat(ids.nodeId()).isEqualTo(5);
    }

    @Test
    void slotCarryingIdsHoldTheSlotOfTheirShardKey() throws SQLException {
        ShardMap map = ShardMap.uniform(List.of("s0", "s1", "s2", "s3"));
        ManualClock clock = new ManualClock(T0);
        IdGenerator ids = fixed(clock, map);
        assertThat(ids.slotBits()).isEqualTo(12);
        for (long customer = 0; customer < 500; customer++) {
            long id = ids.next(customer, KeyType.LONG);
            assertThat(IdGenerator.slotOf(id, map.slots())).isEqualTo(map.slotOf(customer, KeyType.LONG));
            clock.millis.incrementAndGet();
        }
        assertThat(IdGenerator.slotOf(-5, 4096)).isEqualTo(-1);
        assertThat(IdGenerator.slotOf(4095, 3000))
                .as("bits naming no slot of a 3000-slot map")
                .isEqualTo(-1);
    }

    @Test
    void aSmallClockStepBackIsWaitedOutNeverRepeatingAnId() throws Exception {
        ManualClock clock = new ManualClock(T0);
        IdGenerator ids = fixed(clock, null);
        long before = ids.next();
        clock.millis.set(T0 - 1500); // NTP steps the clock back 1.5 s (< maxClockWait 2 s)
        AtomicReference<Thread> worker = new AtomicReference<>();
        CompletableFuture<Long> after = CompletableFuture.supplyAsync(() -> {
            worker.set(Thread.currentThread());
            return ids.next();
        });
        await().atMost(Duration.ofSeconds(30))
                .until(() -> worker.get() != null && worker.get().getState() == Thread.State.TIMED_WAITING);
        assertThat(after).isNotDone();
        clock.millis.set(T0 + 1);
        assertThat(after.get()).isGreaterThan(before);
        assertThat(IdGenerator.timestampOf(after.get())).isEqualTo(T0 + 1);
    }

    @Test
    void aLargeClockStepBackIsRefusedUntilTheClockCatchesUp() throws SQLException {
        ManualClock clock = new ManualClock(T0);
        IdGenerator ids = fixed(clock, null);
        long before = ids.next();
        clock.millis.set(T0 - 60_000);
        assertThatThrownBy(ids::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("ms behind");
        clock.millis.set(T0 + 5);
        assertThat(ids.next()).isGreaterThan(before);
    }

    @Test
    void aUsedUpMillisecondWaitsForTheNextOne() throws Exception {
        ShardMap map = ShardMap.uniform(List.of("s0", "s1", "s2", "s3"));
        ManualClock clock = new ManualClock(T0);
        IdGenerator ids = fixed(clock, map); // 4 sequence bits: 16 ids a millisecond
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            assertThat(seen.add(ids.next(7L, KeyType.LONG))).isTrue();
        }
        AtomicReference<Thread> worker = new AtomicReference<>();
        CompletableFuture<Long> seventeenth = CompletableFuture.supplyAsync(() -> {
            worker.set(Thread.currentThread());
            return ids.next(7L, KeyType.LONG);
        });
        await().atMost(Duration.ofSeconds(30))
                .until(() -> worker.get() != null && worker.get().getState() == Thread.State.TIMED_WAITING);
        assertThat(seventeenth).isNotDone();
        clock.millis.incrementAndGet();
        assertThat(seen.add(seventeenth.get())).isTrue();
        assertThat(IdGenerator.timestampOf(seventeenth.get())).isEqualTo(T0 + 1);
    }

    @Test
    void builderChecksItsArguments() {
        assertThatThrownBy(() -> IdGenerator.builder().nodeBits(0)).hasMessageContaining("nodeBits");
        assertThatThrownBy(() -> IdGenerator.builder().nodeId(-1)).hasMessageContaining("nodeId");
        assertThatThrownBy(() -> IdGenerator.builder().build()).hasMessageContaining("nodeId");
        assertThatThrownBy(() -> IdGenerator.builder()
                        .nodeId(64)
                        .shardMap(ShardMap.uniform(List.of("a")))
                        .build())
                .hasMessageContaining("does not fit");
        assertThatThrownBy(() -> IdGenerator.builder()
                        .nodeBits(10)
                        .nodeId(1)
                        .shardMap(ShardMap.uniform(List.of("a")))
                        .build())
                .hasMessageContaining("no sequence bits");
    }
}
