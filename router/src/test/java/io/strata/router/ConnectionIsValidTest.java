package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.replication.ReplicaSetDataSource;
import io.strata.testkit.PgTopology;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression for issue 16: {@code Connection.isValid()} answered true when the logical connection
 * had bound nothing, so Spring Boot's {@code db} health stayed UP with a shard's primary killed.
 * Its own 2 x (1+1) topology: the test kills servers.
 */
class ConnectionIsValidTest {

    private static PgTopology topology;
    private static ShardingDataSource ds;

    @BeforeAll
    static void start() throws Exception {
        topology = PgTopology.builder()
                .shards(2)
                .replicasPerShard(1)
                .setting("max_prepared_transactions", "10")
                .start();
        ShardingDataSource.Builder b = ShardingDataSource.builder();
        for (var shard : topology.shards()) {
            ReplicaSetDataSource set = FourShards.replicaSet(shard);
            b.shard(set);
        }
        ds = b.table(TableRule.sharded("t", "id", KeyType.LONG))
                .coordinatorId("isvalid-test")
                .coordinatorLog(Files.createTempDirectory("isvalid").resolve("2pc.log"))
                .closeShards(true)
                .build();
    }

    @AfterAll
    static void stop() {
        if (ds != null) {
            ds.close();
        }
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    void isValid_reflectsEveryShardsPrimaryEvenWithNothingBound() throws Exception {
        try (Connection c = ds.getConnection()) {
            assertThat(c.isValid(2)).isTrue();
        }
        // A replica down does not make the connection invalid: reads fall back to the primary.
        topology.shard(1).replica(0).kill();
        awaitNodeDown(1, topology.shard(1).replica(0).name());
        try (Connection c = ds.getConnection()) {
            assertThat(c.isValid(2)).isTrue();
        }
        // Shard 1's primary down: a fresh logical connection (nothing bound) is invalid.
        topology.shard(1).primary().kill();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            try (Connection c = ds.getConnection()) {
                assertThat(c.isValid(2)).isFalse();
            }
        });
        // Back up: valid again.
        topology.shard(1).primary().start();
        topology.shard(1).replica(0).start();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            try (Connection c = ds.getConnection()) {
                assertThat(c.isValid(2)).isTrue();
            }
        });
    }

    @Test
    void isValid_rejectsANegativeTimeoutAndIsFalseWhenClosed() throws Exception {
        Connection c = ds.getConnection();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.isValid(-1))
                .isInstanceOf(java.sql.SQLException.class)
                .hasMessageContaining("timeout");
        c.close();
        assertThat(c.isValid(1)).isFalse();
    }

    private static void awaitNodeDown(int shard, String node) throws Exception {
        ReplicaSetDataSource set = (ReplicaSetDataSource) shardSource(shard);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> set.nodeStates().stream().anyMatch(n -> n.name().equals(node) && !n.up()));
    }

    private static javax.sql.DataSource shardSource(int shard) {
        return ds.shardDataSources().get("shard" + shard);
    }
}
