package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: the {@link ConsistencyChecker} with cluster-shared monitoring. Three members, each
 * with its own real Hazelcast member, share lag samples; the busiest poller's wall clock runs
 * 40 ms ahead of the others' (within {@code maxClockSkew} 50 ms); the nemesis adds delayed
 * sample delivery and kills the Hazelcast member of the member that polls the most, besides
 * the replica and primary faults and a promotion. 0 violations required. Then the weakened
 * setting: samples taken at face value with the poller's clock 1.5 s ahead, which the checker
 * must catch.
 *
 * <p>Short mode (CI): 1 shard x (1+2), 30 s. Long: {@code -Dstrata.checker.long=true} (2 shards,
 * 120 s); {@code -Dstrata.checker.seconds=N} overrides.
 */
class ClusterConsistencyCheckerTest {

    private static final boolean LONG = Boolean.getBoolean("strata.checker.long");
    private static final int SHARDS = Integer.getInteger("strata.checker.clusterShards", LONG ? 2 : 1);
    private static final int SECONDS = Integer.getInteger("strata.checker.seconds", LONG ? 120 : 30);

    @Test
    void sharedSamplesKeepEveryBoundUnderTheNemesisWithSkewDelayAndAKilledPoller() throws Exception {
        try (PgTopology topology =
                PgTopology.builder().shards(SHARDS).replicasPerShard(2).start()) {
            ConsistencyChecker.schema(topology);
            ConsistencyChecker.Result r = new ConsistencyChecker(
                            topology,
                            new ConsistencyChecker.Settings(
                                    3,
                                    3,
                                    3,
                                    Duration.ofSeconds(SECONDS),
                                    Duration.ofMillis(400),
                                    true,
                                    true,
                                    false,
                                    b -> {},
                                    new ConsistencyChecker.Cluster(true, 40, Duration.ofMillis(50), false)))
                    .run();
            System.out.println("cluster-shared monitoring:\n" + r.describe());
            assertThat(r.violations()).as("violations").isEmpty();
            assertThat(r.violationCount()).isZero();
            assertThat(r.writes()).as("acknowledged writes").isPositive();
            assertThat(r.readsByLevel()).containsKeys("bounded_staleness(400ms)", "eventual", "read_your_writes");
            assertThat(r.nemesis()).containsKeys("kill-poller-member", "delay-samples");
        }
    }

    @Test
    void theCheckerCatchesSamplesTakenAtFaceValueUnderClockSkew() throws Exception {
        try (PgTopology topology =
                PgTopology.builder().shards(1).replicasPerShard(2).start()) {
            ConsistencyChecker.schema(topology);
            ConsistencyChecker.Result r = new ConsistencyChecker(
                            topology,
                            new ConsistencyChecker.Settings(
                                    3,
                                    2,
                                    2,
                                    Duration.ofSeconds(10),
                                    Duration.ofMillis(400),
                                    false,
                                    false,
                                    // replicas paused for good: only a fresh-looking sample lets them serve
                                    true,
                                    b -> {},
                                    new ConsistencyChecker.Cluster(true, 1500, Duration.ofMillis(50), true)))
                    .run();
            System.out.println("weakened (samples at face value, poller's clock 1.5 s ahead):\n" + r.describe());
            assertThat(r.violationCount()).as("violations found").isPositive();
        }
    }
}
