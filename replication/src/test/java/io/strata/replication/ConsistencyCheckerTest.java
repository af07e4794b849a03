package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Runs the {@link ConsistencyChecker}: 3 members, shards of 1 primary + 2 replicas, writers,
 * readers at every consistency level and the nemesis, and requires 0 violations; then shows the
 * checker catches a deliberately weakened routing (every replica's lag taken as zero).
 *
 * <p>Short mode (CI): 2 shards, 30 s. Long mode, as issue 11 asks (3 members x 4 shards x (1+2),
 * 2 minutes): {@code -Dstrata.checker.long=true}; {@code -Dstrata.checker.seconds=N} and
 * {@code -Dstrata.checker.shards=N} override either mode. The figures go to standard output:
 * <pre>
 * bash .ci/as-user mvn -B -ntp -pl replication -am verify -Dtest=ConsistencyCheckerTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dstrata.checker.long=true
 * </pre>
 */
class ConsistencyCheckerTest {

    private static final boolean LONG = Boolean.getBoolean("strata.checker.long");
    private static final int SHARDS = Integer.getInteger("strata.checker.shards", LONG ? 4 : 2);
    private static final int SECONDS = Integer.getInteger("strata.checker.seconds", LONG ? 120 : 30);

    @Test
    void everyReadStaysWithinItsBoundAndSeesItsSessionsWritesUnderTheNemesis() throws Exception {
        try (PgTopology topology =
                PgTopology.builder().shards(SHARDS).replicasPerShard(2).start()) {
            ConsistencyChecker.schema(topology);
            ConsistencyChecker.Result r = new ConsistencyChecker(
                            topology,
                            new ConsistencyChecker.Settings(
                                    3,
                                    4,
                                    4,
                                    Duration.ofSeconds(SECONDS),
                                    Duration.ofMillis(200),
                                    true,
                                    true,
                                    false,
                                    b -> {}))
                    .run();
            System.out.println(r.describe());
            assertThat(r.violations()).as("violations").isEmpty();
            assertThat(r.violationCount()).isZero();
            assertThat(r.writes()).as("acknowledged writes").isPositive();
            assertThat(r.readsByLevel())
                    .containsKeys("bounded_staleness(200ms)", "eventual", "strong", "read_your_writes");
            assertThat(r.nemesis()).isNotEmpty();
        }
    }

    @Test
    void theCheckerCatchesARoutingThatTakesLagAsZero() throws Exception {
        try (PgTopology topology =
                PgTopology.builder().shards(1).replicasPerShard(2).start()) {
            ConsistencyChecker.schema(topology);
            ConsistencyChecker.Result r = new ConsistencyChecker(
                            topology,
                            new ConsistencyChecker.Settings(
                                    3,
                                    2,
                                    2,
                                    Duration.ofSeconds(8),
                                    Duration.ofMillis(200),
                                    false,
                                    false,
                                    // replicas paused for good: taken as fresh, they serve ever older data
                                    true,
                                    ReplicaSetDataSourceBuilder::ignoreLagForTesting))
                    .run();
            System.out.println("weakened routing (lag taken as zero):\n" + r.describe());
            assertThat(r.violationCount()).as("violations found").isPositive();
        }
    }
}
