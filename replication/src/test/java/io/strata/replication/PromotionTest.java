package io.strata.replication;

import static io.strata.replication.TestReplicaSets.awaitReplicasCaughtUp;
import static io.strata.replication.TestReplicaSets.lastNode;
import static io.strata.replication.TestReplicaSets.queryLong;
import static io.strata.replication.TestReplicaSets.state;
import static io.strata.replication.TestReplicaSets.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Promotion is followed within pollInterval + nodeTimeout of the promoted node reporting
 * itself writable, and writes never have two targets.
 */
@WithPgTopology(shards = 1, replicasPerShard = 2)
class PromotionTest {

    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration NODE_TIMEOUT = Duration.ofMillis(500);

    @Test
    void thePromotedReplicaTakesWritesAndAnOldPrimaryOrASecondPromotionIsFenced(PgTopology topology) throws Exception {
        PgShard shard = topology.shard(0);
        PgServer oldPrimary = shard.primary();
        PgServer a = shard.replica(0);
        PgServer b = shard.replica(1);
        oldPrimary.execute("create table promo (id bigint primary key)");
        awaitReplicasCaughtUp(shard);
        try (ReplicaSetDataSource ds =
                TestReplicaSets.build(shard, x -> x.pollInterval(POLL).nodeTimeout(NODE_TIMEOUT))) {
            ReadRoutingTest.awaitInRotation(ds);
            try (Connection c = ds.getConnection()) {
                update(c, "insert into promo values (1)");
                assertThat(lastNode(c)).isEqualTo(oldPrimary.name());
            }
            awaitReplicasCaughtUp(shard);

            // Failover: the primary goes away, A is promoted.
            oldPrimary.stop();
            a.promote();
            long promotedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> ds.primaryName().equals(a.name()));
            Duration followed = Duration.ofNanos(System.nanoTime() - promotedAt);
            assertThat(followed)
                    .as("documented bound: pollInterval + nodeTimeout")
                    .isLessThanOrEqualTo(POLL.plus(NODE_TIMEOUT).plus(Duration.ofMillis(200)));
            try (Connection c = ds.getConnection()) {
                update(c, "insert into promo values (2)");
                assertThat(lastNode(c)).isEqualTo(a.name());
            }
            assertThat(a.queryLong("select count(*) from promo where id = 2")).isEqualTo(1);
            assertThat(state(ds, a.name()).role()).isEqualTo(NodeRole.PRIMARY);

            // A second promotion while A is alive: B is writable too, on the same timeline.
            // Writes keep one target (A) and B is fenced: nothing is routed to it.
            b.promote();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> state(ds, b.name()).role() == NodeRole.FENCED);
            assertThat(ds.primaryName()).isEqualTo(a.name());
            assertThat(ds.nodeStates().stream()
                            .filter(s -> s.role() == NodeRole.PRIMARY)
                            .count())
                    .isEqualTo(1);
            for (int i = 0; i < 10; i++) {
                try (Connection c = ds.getConnection()) {
                    update(c, "insert into promo values (?)", 100L + i);
                    assertThat(lastNode(c)).isEqualTo(a.name());
                    queryLong(c, "select count(*) from promo");
                    assertThat(lastNode(c))
                            .as("no replica is left: reads fall back to the primary, never to B")
                            .isEqualTo(a.name());
                }
            }
            assertThat(b.queryLong("select count(*) from promo where id >= 100"))
                    .isZero();
        }
    }
}
