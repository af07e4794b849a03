package io.strata.replication;

import static io.strata.replication.TestReplicaSets.awaitReplicasCaughtUp;
import static io.strata.replication.TestReplicaSets.lastNode;
import static io.strata.replication.TestReplicaSets.queryLong;
import static io.strata.replication.TestReplicaSets.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression test (found by the cluster consistency checker under load): a write acknowledged
 * just before its primary froze left its replica set out of the session's token, because reading
 * the commit LSN failed and {@code token()} only logged it; the next read-your-writes read, on
 * another member with that token, was served by a replica that had not replayed the write.
 *
 * <p>Now the token records the set with {@link ConsistencyToken#UNKNOWN_LSN}, and a
 * read-your-writes read with it goes to the primary. Here the replica's replay is paused, so a read
 * it served would be stale.
 */
@WithPgTopology(shards = 1, replicasPerShard = 1)
class UnknownCommitLsnTest {

    private final PgShard shard;
    private final PgServer primary;
    private final PgServer replica;

    UnknownCommitLsnTest(PgTopology topology) {
        this.shard = topology.shard(0);
        this.primary = shard.primary();
        this.replica = shard.replica(0);
    }

    @BeforeAll
    static void schema(PgTopology topology) {
        topology.shard(0).primary().execute("create table unknown_lsn (id int primary key, v int not null)");
        topology.shard(0).primary().execute("insert into unknown_lsn values (1, 0)");
        awaitReplicasCaughtUp(topology.shard(0));
    }

    @Test
    void aWriteWhoseCommitLsnCannotBeReadStillSendsReadYourWritesReadsToThePrimary() throws Exception {
        try (ReplicaSetDataSource writerSide =
                        TestReplicaSets.build(shard, b -> b.statementNetworkTimeout(Duration.ofMillis(500)));
                ReplicaSetDataSource readerSide = TestReplicaSets.build(shard, b -> {})) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> state(readerSide, replica.name()).up()
                            && state(readerSide, primary.name()).up());
            replica.pauseReplay();
            ConsistencyToken token;
            try {
                try (Connection writer = writerSide.getConnection()) {
                    try (PreparedStatement ps = writer.prepareStatement("update unknown_lsn set v = 1 where id = 1")) {
                        ps.executeUpdate(); // acknowledged
                    }
                    primary.freeze();
                    try {
                        token = writer.unwrap(ReplicaSetConnection.class).token();
                    } finally {
                        primary.thaw();
                    }
                }
                assertThat(token.lsn(shard.name()))
                        .as("the set of an acknowledged write stays in the token")
                        .hasValue(ConsistencyToken.UNKNOWN_LSN);
                assertThat(ConsistencyToken.parse(token.toString())).isEqualTo(token);
                try (Connection reader = readerSide.getConnection()) {
                    ReplicaSetConnection rc = reader.unwrap(ReplicaSetConnection.class);
                    rc.requireToken(ConsistencyToken.parse(token.toString()));
                    rc.setConsistency(Consistency.READ_YOUR_WRITES);
                    assertThat(queryLong(reader, "select v from unknown_lsn where id = 1"))
                            .as("read-your-writes after the acknowledged write")
                            .isEqualTo(1L);
                    assertThat(lastNode(reader)).isEqualTo(primary.name());
                }
            } finally {
                replica.resumeReplay();
            }
        }
    }
}
