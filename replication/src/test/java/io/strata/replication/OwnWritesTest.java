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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection reads its own writes at every consistency level, as it would on one server: at the
 * default {@code EVENTUAL} (and bounded staleness) a read right after the connection's own write
 * used to go to any replica within the lag bound, which may not have replayed the write yet, so an
 * application inserting a row and reading it back on the same connection could miss it. Here the
 * replica's replay is paused with a lag bound of an hour, so it qualifies for every EVENTUAL read
 * and every read it serves after the write is stale: the tests fail on the old routing.
 */
@WithPgTopology(shards = 1, replicasPerShard = 1)
class OwnWritesTest {

    private final PgShard shard;
    private final PgServer primary;
    private final PgServer replica;
    private ReplicaSetDataSource ds;

    OwnWritesTest(PgTopology topology) {
        this.shard = topology.shard(0);
        this.primary = shard.primary();
        this.replica = shard.replica(0);
    }

    @BeforeAll
    static void schema(PgTopology topology) {
        topology.shard(0).primary().execute("create table own_writes (id int primary key, v int not null)");
    }

    @BeforeEach
    void start() {
        primary.execute("truncate own_writes");
        primary.execute("insert into own_writes values (1, 0)");
        awaitReplicasCaughtUp(shard);
        ds = TestReplicaSets.build(shard, b -> b.maxLag(Duration.ofHours(1)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> state(ds, replica.name()).up()
                        && state(ds, primary.name()).up());
        replica.pauseReplay();
    }

    @AfterEach
    void stop() {
        replica.resumeReplay();
        ds.close();
    }

    @Test
    void anEventualReadAfterTheConnectionsOwnAutocommitWriteSeesIt() throws Exception {
        try (Connection c = ds.getConnection()) {
            assertThat(c.unwrap(ReplicaSetConnection.class).consistency()).isEqualTo(Consistency.EVENTUAL);
            update(c, "update own_writes set v = 1 where id = 1");
            assertThat(queryLong(c, "select v from own_writes where id = 1")).isEqualTo(1);
            assertThat(lastNode(c)).isEqualTo(primary.name());
            // Once its position is captured, a replica that has not replayed it still does not serve it.
            c.unwrap(ReplicaSetConnection.class).token();
            assertThat(queryLong(c, "select v from own_writes where id = 1")).isEqualTo(1);
            assertThat(lastNode(c)).isEqualTo(primary.name());
            // ... bounded staleness alike
            c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.boundedStaleness(Duration.ofHours(1)));
            assertThat(queryLong(c, "select v from own_writes where id = 1")).isEqualTo(1);
        }
        // Another connection, which wrote nothing, still reads from the (stale) replica at EVENTUAL.
        try (Connection other = ds.getConnection()) {
            assertThat(queryLong(other, "select v from own_writes where id = 1"))
                    .isZero();
            assertThat(lastNode(other)).isEqualTo(replica.name());
        }
    }

    @Test
    void aReadOnlyTransactionAfterTheConnectionsOwnCommitSeesIt() throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            update(c, "update own_writes set v = 2 where id = 1");
            c.commit();
            c.setReadOnly(true);
            assertThat(queryLong(c, "select v from own_writes where id = 1")).isEqualTo(2);
            c.commit();
        }
    }

    @Test
    void onceTheReplicaHasReplayedTheWriteItServesTheConnectionAgain() throws Exception {
        try (Connection c = ds.getConnection()) {
            update(c, "update own_writes set v = 3 where id = 1");
            c.unwrap(ReplicaSetConnection.class).token();
            replica.resumeReplay();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(queryLong(c, "select v from own_writes where id = 1"))
                        .isEqualTo(3);
                assertThat(lastNode(c)).isEqualTo(replica.name());
            });
        }
    }
}
