package io.strata.replication;

import static io.strata.replication.TestReplicaSets.awaitReplicasCaughtUp;
import static io.strata.replication.TestReplicaSets.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression test for issue 11, defect 1: "a silent primary makes stale replicas look fresh".
 *
 * <p>The reproduction, repeated: pause the replica's replay, write a row through the data source,
 * freeze the primary right after the acknowledgement, then read at
 * {@code boundedStaleness(200ms)} until well past the bound. A read that starts 200 ms or more
 * after the acknowledgement must never return the old value. Before the fix the replica counted
 * as lag zero (caught up to the newest sample the monitor had, taken before the write) until the
 * primary was declared down, about {@code pollInterval + nodeTimeout} later.
 *
 * <p>Reads that no replica qualifies for fail with 53R01 ({@link NoReplicaPolicy#FAIL}): the
 * frozen primary is not where this test looks, and a failed read is never a stale one.
 */
@WithPgTopology(shards = 1, replicasPerShard = 1)
class SilentPrimaryTest {

    private static final Duration BOUND = Duration.ofMillis(200);
    private static final Duration WATCH = Duration.ofMillis(1500);
    private static final int TRIALS = Integer.getInteger("strata.silentPrimary.trials", 20);

    private final PgShard shard;
    private final PgServer primary;
    private final PgServer replica;

    SilentPrimaryTest(PgTopology topology) {
        this.shard = topology.shard(0);
        this.primary = shard.primary();
        this.replica = shard.replica(0);
    }

    @BeforeAll
    static void schema(PgTopology topology) {
        topology.shard(0).primary().execute("create table silent (id int primary key, v int not null)");
        topology.shard(0).primary().execute("insert into silent values (1, 0)");
        awaitReplicasCaughtUp(topology.shard(0));
    }

    @Test
    void aSilentPrimaryNeverMakesAStaleReplicaLookFresh() throws Exception {
        List<String> outOfBound = new ArrayList<>();
        int reads = 0;
        int served = 0;
        int oldWithinBound = 0;
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                b -> b.consistency(Consistency.boundedStaleness(BOUND))
                        .noReplicaPolicy(NoReplicaPolicy.FAIL)
                        .nodeTimeout(Duration.ofMillis(500)))) {
            for (int trial = 1; trial <= TRIALS; trial++) {
                awaitReplicasCaughtUp(shard);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> state(ds, primary.name()).up()
                                && state(ds, replica.name()).up()
                                && state(ds, replica.name()).lag().compareTo(BOUND) < 0);
                replica.pauseReplay();
                Connection writer = ds.getConnection();
                long ack;
                try {
                    try (PreparedStatement ps = writer.prepareStatement("update silent set v = ? where id = 1")) {
                        ps.setInt(1, trial);
                        ps.executeUpdate();
                    }
                    ack = System.nanoTime();
                    primary.freeze();
                    long deadline = ack + WATCH.toNanos();
                    long start;
                    while ((start = System.nanoTime()) < deadline) {
                        reads++;
                        Integer v = read(ds);
                        if (v == null) {
                            java.util.concurrent.locks.LockSupport.parkNanos(200_000); // spare the shared CPU
                            continue;
                        }
                        served++;
                        if (v < trial) {
                            long afterAck = (start - ack) / 1_000_000;
                            if (start - ack >= BOUND.toNanos()) {
                                outOfBound.add("trial " + trial + ": old value " + v + " read " + afterAck
                                        + " ms after the acknowledgement; states " + ds.nodeStates());
                            } else {
                                oldWithinBound++;
                            }
                        }
                    }
                } finally {
                    primary.thaw();
                    replica.resumeReplay();
                    writer.close();
                }
            }
        }
        System.out.printf(
                "silent primary: %d trials, %d reads, %d served by the replica, %d old values within the bound,"
                        + " %d outside it%n",
                TRIALS, reads, served, oldWithinBound, outOfBound.size());
        assertThat(outOfBound).as("reads outside their 200 ms bound").isEmpty();
        assertThat(served).as("some reads reached the replica").isPositive();
    }

    /** The row's value through the data source, or null when no replica qualified (53R01). */
    private static Integer read(ReplicaSetDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select v from silent where id = 1");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            if (ReplicaSetDataSource.SQLSTATE_NO_ELIGIBLE_REPLICA.equals(e.getSQLState())) {
                return null;
            }
            throw e;
        }
    }
}
