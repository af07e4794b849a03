package io.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.internal.ContainerPgTopology;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Testcontainers backend; skipped, visibly, where there is no Docker engine. */
class ContainerPgTopologyTest {

    @BeforeEach
    void requireDocker() {
        Assumptions.assumeTrue(
                ContainerPgTopology.dockerAvailable(),
                "skipped: no Docker engine here, so the Testcontainers backend cannot be exercised");
    }

    @Test
    void aRowWrittenOnThePrimaryReachesTheReplica() {
        try (PgTopology topology = PgTopology.containers().replicasPerShard(1).start()) {
            PgServer primary = topology.shard(0).primary();
            PgServer replica = topology.shard(0).replica(0);
            primary.execute("CREATE TABLE t (v int)");
            primary.execute("INSERT INTO t VALUES (42)");
            await().atMost(Duration.ofSeconds(20)).until(() -> replica.queryLong("SELECT count(*) FROM t") == 1);
            replica.pauseReplay();
            primary.execute("INSERT INTO t VALUES (43)");
            assertThat(replica.queryLong("SELECT count(*) FROM t")).isEqualTo(1);
            replica.resumeReplay();
            await().atMost(Duration.ofSeconds(20)).until(() -> replica.queryLong("SELECT count(*) FROM t") == 2);
        }
    }
}
