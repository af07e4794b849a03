package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {

    @Test
    void mergingMembersAddsCountsAndMergesLatencyHistograms() {
        Summary fast = summary(1_000, 100, false);
        Summary slow = summary(100_000, 100, true);

        Summary merged = Summary.fromJson(
                Summary.merge(List.of(Summary.fromJson(fast.toJson()), slow)).toJson());

        assertThat(merged.members()).isEqualTo(2);
        assertThat(merged.operations()).isEqualTo(200);
        assertThat(merged.operationsByKind()).containsEntry("view-product", 200L);
        assertThat(merged.latencyByKind()).containsOnlyKeys("view-product");
        assertThat(merged.checkedReads()).isEqualTo(200);
        assertThat(merged.staleReads()).isEqualTo(1);
        assertThat(merged.lastStaleRead()).isEqualTo("stale!");
        // Half the operations took 1 ms, half 100 ms: the median is one, the 99th percentile the other.
        assertThat(merged.p50Millis()).isBetween(0.99, 1.01);
        assertThat(merged.p99Millis()).isBetween(99.0, 101.0);
    }

    @Test
    void hitRatioIsHitsOverLookupsAndZeroWithoutLookups() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.counter("strata.cache.gets", "cache", "c", "tier", "redis", "result", "hit")
                .increment(3);
        registry.counter("strata.cache.gets", "cache", "c", "tier", "redis", "result", "miss")
                .increment(1);
        try (ReplicaLagWatch lag = new ReplicaLagWatch(List.of())) {
            Summary s = Summary.of(new WorkloadStats(), registry, lag, 1);

            assertThat(s.hitRatio("redis")).isEqualTo(0.75);
            assertThat(s.hitRatio("hazelcast")).isZero();
            assertThat(s.maxLagBytes()).as("not observed").isEqualTo(-1);
        }
    }

    /** Issue 16 item 5: {@code /status} stays small, without the base64 histograms unless asked. */
    @Test
    void statusJson_leavesOutTheHistograms_unlessAskedFor() {
        Summary s = summary(1_000, 100, false);

        String small = s.toStatusJson(false);
        String full = s.toStatusJson(true);

        assertThat(small).doesNotContain("latencyHistogram").doesNotContain("latencyByKind");
        assertThat(small.length()).isLessThan(full.length());
        assertThat(Summary.fromJson(small).operations()).isEqualTo(100);
        assertThat(Summary.fromJson(small).p50Millis()).isEqualTo(s.p50Millis());
        assertThat(Summary.fromJson(full).latencyByKind()).containsOnlyKeys("view-product");
    }

    private static Summary summary(long micros, int n, boolean oneStale) {
        WorkloadStats stats = new WorkloadStats();
        for (int i = 0; i < n; i++) {
            stats.record("view-product", micros * 1000);
            stats.checked(oneStale && i == 0, "stale!");
        }
        try (ReplicaLagWatch lag = new ReplicaLagWatch(List.of())) {
            return Summary.of(stats, new SimpleMeterRegistry(), lag, 1);
        }
    }
}
