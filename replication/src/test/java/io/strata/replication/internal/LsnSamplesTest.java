package io.strata.replication.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LsnSamplesTest {

    @Test
    void freshAsOf_isTheLastTimeThePrimaryWasSeenAtOrBelowTheReplayLsn() {
        LsnSamples s = new LsnSamples(8);
        s.record(100, 10);
        s.record(200, 10); // idle: same LSN seen later
        s.record(300, 20);
        s.record(400, 30);
        assertThat(s.freshAsOf(10)).isEqualTo(200);
        assertThat(s.freshAsOf(25)).isEqualTo(300);
        assertThat(s.freshAsOf(30)).isEqualTo(400);
        assertThat(s.freshAsOf(5)).isEqualTo(Long.MIN_VALUE);
        assertThat(s.latestLsn()).isEqualTo(30);
    }

    @Test
    void record_wrapsAroundKeepingTheNewest() {
        LsnSamples s = new LsnSamples(4);
        for (int i = 1; i <= 10; i++) {
            s.record(i * 100L, i * 10L);
        }
        assertThat(s.freshAsOf(100)).isEqualTo(1000);
        assertThat(s.freshAsOf(75)).isEqualTo(700);
        assertThat(s.freshAsOf(65)).isEqualTo(Long.MIN_VALUE); // older than the ring holds
    }

    @Test
    void record_startsOverWhenTheLsnGoesBackwards() {
        LsnSamples s = new LsnSamples(4);
        s.record(100, 50);
        s.record(200, 40);
        assertThat(s.latestLsn()).isEqualTo(40);
        assertThat(s.freshAsOf(45)).isEqualTo(200);
    }
}
