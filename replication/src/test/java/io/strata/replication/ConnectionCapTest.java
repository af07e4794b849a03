package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, connection budgets: a node's pool at its cap (every connection busy) makes a
 * statement wait the pool's connectionTimeout, then fail with 53R03 (class 53, not 08: the
 * node is up, and neither a pool nor the circuit breaker may take it for a dead connection); an
 * autocommit read that meets a capped replica is served elsewhere.
 */
@WithPgTopology(shards = 1, replicasPerShard = 1)
class ConnectionCapTest {

    private final PgShard shard;

    ConnectionCapTest(PgTopology topology) {
        this.shard = topology.shard(0);
    }

    @BeforeAll
    static void schema(PgTopology topology) {
        topology.shard(0).primary().execute("create table if not exists capped (id int primary key, v int)");
        topology.shard(0).primary().execute("insert into capped values (1, 0) on conflict do nothing");
        TestReplicaSets.awaitReplicasCaughtUp(topology.shard(0));
    }

    private ReplicaSetDataSource capped() {
        return TestReplicaSets.build(
                shard,
                b -> b.primaryPool(c -> {
                            c.setMaximumPoolSize(1);
                            c.setConnectionTimeout(1500);
                        })
                        .replicaPool(c -> {
                            c.setMaximumPoolSize(1);
                            c.setConnectionTimeout(1500);
                        }));
    }

    @Test
    void aWriteBeyondTheNodesCapFailsWith53R03AndTheCircuitStaysClosed() throws Exception {
        try (ReplicaSetDataSource ds = capped()) {
            Connection holder = ds.getConnection();
            holder.setAutoCommit(false);
            TestReplicaSets.update(holder, "update capped set v = v + 1 where id = 1"); // holds the one connection
            for (int i = 0; i < 6; i++) {
                try (Connection c = ds.getConnection()) {
                    assertThatThrownBy(() -> TestReplicaSets.update(c, "update capped set v = v + 1 where id = 1"))
                            .isInstanceOfSatisfying(SQLException.class, e -> {
                                assertThat(e.getSQLState()).isEqualTo(ReplicaSetDataSource.SQLSTATE_CONNECTION_CAP);
                                assertThat(e.getMessage()).contains("connection cap");
                            });
                }
            }
            assertThat(TestReplicaSets.state(ds, shard.primary().name()).circuitOpen())
                    .as("load is not a dead node")
                    .isFalse();
            holder.close(); // rolls back and returns the connection
            try (Connection c = ds.getConnection()) {
                assertThat(TestReplicaSets.update(c, "update capped set v = v + 1 where id = 1"))
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void aReadThatMeetsACappedReplicaIsServedElsewhere() throws Exception {
        try (ReplicaSetDataSource ds = capped();
                Connection holder = ds.getConnection()) {
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> TestReplicaSets.state(ds, shard.replica(0).name())
                                    .lag()
                                    .toMillis()
                            < 1000);
            holder.setAutoCommit(false);
            holder.setReadOnly(true);
            TestReplicaSets.queryLong(holder, "select v from capped where id = 1");
            org.assertj.core.api.Assumptions.assumeThat(TestReplicaSets.lastNode(holder))
                    .as("the holder's read-only transaction runs on the replica")
                    .isEqualTo(shard.replica(0).name());
            try (Connection c = ds.getConnection()) {
                assertThat(TestReplicaSets.queryLong(c, "select v from capped where id = 1"))
                        .isNotNull();
                assertThat(TestReplicaSets.lastNode(c))
                        .isEqualTo(shard.primary().name());
            }
            holder.rollback();
        }
    }
}
