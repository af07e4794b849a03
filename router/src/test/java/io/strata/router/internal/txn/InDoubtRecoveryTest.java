package io.strata.router.internal.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.router.FourShards;
import io.strata.router.internal.execute.RouterMetrics;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Recovery running while a participant is still in flight: the test plays a coordinator by hand
 * on two shards A and B (raw connections). G is prepared on A; on B the participant has inserted
 * its marker G but not yet prepared. Recovery must wait on B's marker key rather than roll A back;
 * then B prepares (both commit) or B rolls back (A is rolled back). With the blocking insert
 * skipped (a deliberate weakening), recovery rolls A back at once, B prepares, and the pair is
 * split: the checker {@link #complete} sees it.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InDoubtRecoveryTest {

    private PgTopology topology;
    private final List<ReplicaSetDataSource> sources = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table idr_rows (id bigint primary key)");
        for (PgShard s : topology.shards()) {
            sources.add(FourShards.replicaSet(s));
        }
        new TxMarkers(names(), List.copyOf(sources)).create();
    }

    @BeforeEach
    void clean() throws SQLException {
        // a failed test may leave its prepared gids, which would hold idr_rows' locks
        for (PgShard s : topology.shards()) {
            try (Connection c = s.primary().connect();
                    Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery(
                            "select gid from pg_prepared_xacts where gid like 'strata\\_idrtest\\_%'")) {
                List<String> gids = new ArrayList<>();
                while (rs.next()) {
                    gids.add(rs.getString(1));
                }
                for (String gid : gids) {
                    st.execute("ROLLBACK PREPARED '" + gid + "'");
                }
            }
        }
        FourShards.onEveryPrimary(topology, "truncate idr_rows");
    }

    @AfterAll
    void tearDown() throws SQLException {
        pool.shutdownNow();
        sources.forEach(ReplicaSetDataSource::close);
        FourShards.onEveryPrimary(topology, "drop table idr_rows");
    }

    private List<String> names() {
        List<String> out = new ArrayList<>();
        topology.shards().forEach(s -> out.add(s.name()));
        return out;
    }

    /** A recovery with a long lock timeout, so the test can see it wait, and a generous deadline. */
    private InDoubtRecovery recovery() {
        List<DataSource> ds = List.copyOf(sources);
        return new InDoubtRecovery(
                "idrtest",
                names(),
                ds,
                new RouterMetrics(
                        new SimpleMeterRegistry(),
                        names(),
                        Caffeine.newBuilder().build()),
                Duration.ofSeconds(2),
                Duration.ofSeconds(120),
                null);
    }

    private static String gid() {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        return "strata_idrtest_" + HexFormat.of().formatHex(b) + "_2";
    }

    /** A participant's transaction on {@code shard}: one row and the marker, not yet prepared. */
    private Connection participant(int shard, long row, String gid) throws SQLException {
        Connection c = topology.shard(shard).primary().connect();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("insert into idr_rows (id) values (" + row + ")");
            st.execute("insert into strata_meta.tx_markers (gid) values ('" + gid + "')");
        }
        return c;
    }

    private static void run(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long rows(int shard, long id) {
        return topology.shard(shard).primary().queryLong("select count(*) from idr_rows where id = " + id);
    }

    private long prepared(String gid) {
        long n = 0;
        for (PgShard s : topology.shards()) {
            n += s.primary().queryLong("select count(*) from pg_prepared_xacts where gid = '" + gid + "'");
        }
        return n;
    }

    /** The checker: the pair is on both shards or on none. */
    private boolean complete() {
        long a = rows(0, 1);
        long b = rows(1, 2);
        return a == b;
    }

    /** Recovery is waiting on shard B for the participant's marker key. */
    private void awaitRecoveryBlockedOnB() {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> topology.shard(1)
                                .primary()
                                .queryLong("select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                                        + " and query like 'insert into strata_meta.tx_markers%'")
                        > 0);
    }

    @Test
    void recoveryWaitsForAParticipantHoldingItsMarkerAndCommitsWhenItPrepares() throws Exception {
        String gid = gid();
        Connection a = participant(0, 1, gid);
        run(a, "PREPARE TRANSACTION '" + gid + "'");
        try (Connection b = participant(1, 2, gid)) {
            Future<InDoubtRecovery.Run> recovering =
                    pool.submit(() -> recovery().run(false, Duration.ZERO));
            awaitRecoveryBlockedOnB();
            assertThat(recovering.isDone()).as("recovery waits for B").isFalse();
            run(b, "PREPARE TRANSACTION '" + gid + "'");
            assertThat(recovering.get(120, TimeUnit.SECONDS).resolved()).isEqualTo(1);
            b.setAutoCommit(true);
        }
        a.close();
        assertThat(prepared(gid)).isZero();
        assertThat(rows(0, 1)).isEqualTo(1);
        assertThat(rows(1, 2)).isEqualTo(1);
        assertThat(complete()).isTrue();
    }

    @Test
    void recoveryWaitsForAParticipantHoldingItsMarkerAndRollsBackWhenItRollsBack() throws Exception {
        String gid = gid();
        Connection a = participant(0, 1, gid);
        run(a, "PREPARE TRANSACTION '" + gid + "'");
        a.close();
        try (Connection b = participant(1, 2, gid)) {
            Future<InDoubtRecovery.Run> recovering =
                    pool.submit(() -> recovery().run(false, Duration.ZERO));
            awaitRecoveryBlockedOnB();
            assertThat(recovering.isDone()).as("recovery waits for B").isFalse();
            b.rollback();
            assertThat(recovering.get(120, TimeUnit.SECONDS).resolved()).isEqualTo(1);
        }
        assertThat(prepared(gid)).isZero();
        assertThat(rows(0, 1) + rows(1, 2)).isZero();
        // B is blocked for good: a late participant of G cannot prepare any more.
        try (Connection late = topology.shard(1).primary().connect()) {
            late.setAutoCommit(false);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> run(late, "insert into strata_meta.tx_markers (gid) values ('" + gid + "')"))
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "23505");
        }
    }

    @Test
    void aRecoveryThatSkipsTheBlockingInsertSplitsATransactionAndTheCheckerSeesIt() throws Exception {
        String gid = gid();
        Connection a = participant(0, 1, gid);
        run(a, "PREPARE TRANSACTION '" + gid + "'");
        a.close();
        try (Connection b = participant(1, 2, gid)) {
            InDoubtRecovery weakened = recovery();
            weakened.weaken(InDoubtRecovery.Weakening.SKIP_BLOCKING);
            weakened.run(false, Duration.ZERO); // rolls A back without waiting for B
            run(b, "PREPARE TRANSACTION '" + gid + "'"); // B's marker is its own: nothing stops it
            // The coordinator saw both PREPAREs succeed: committed by the protocol.
            b.setAutoCommit(true);
            run(b, "COMMIT PREPARED '" + gid + "'");
        }
        assertThat(rows(0, 1)).isZero();
        assertThat(rows(1, 2)).isEqualTo(1);
        assertThat(complete()).as("the checker fails on the weakened recovery").isFalse();
    }

    @Test
    void theSweepKeepsTheMarkerOfAGidStillPreparedSomewhereAndDeletesOldLeftovers() throws Exception {
        String leftover = gid(); // an aborted marker recovery wrote; prepared nowhere
        String halfCommitted = gid(); // committed on shard 0, still prepared on shard 1
        topology.shard(2)
                .primary()
                .execute("insert into strata_meta.tx_markers (gid, aborted) values ('" + leftover + "', true)");
        Connection a = participant(0, 1, halfCommitted);
        run(a, "PREPARE TRANSACTION '" + halfCommitted + "'");
        a.setAutoCommit(true);
        run(a, "COMMIT PREPARED '" + halfCommitted + "'");
        a.close();
        Connection b = participant(1, 2, halfCommitted);
        run(b, "PREPARE TRANSACTION '" + halfCommitted + "'");
        b.close();
        InDoubtRecovery.Run seen = recovery().run(false, Duration.ofDays(1)); // reads, resolves nothing
        assertThat(seen.resolved()).isZero();
        assertThat(seen.prepared()).contains(halfCommitted);
        new TxMarkers(names(), List.copyOf(sources)).sweep(seen.prepared(), Duration.ZERO);
        assertThat(markers(2, leftover)).as("old leftover swept").isZero();
        assertThat(markers(0, halfCommitted))
                .as("the committed marker recovery needs is kept while the gid is prepared elsewhere")
                .isEqualTo(1);
        // Recovery then commits shard 1 from that marker (step 1), and the sweep may take it.
        assertThat(recovery().run(false, Duration.ZERO).resolved()).isEqualTo(1);
        assertThat(rows(1, 2)).isEqualTo(1);
        assertThat(complete()).isTrue();
        new TxMarkers(names(), List.copyOf(sources))
                .sweep(recovery().run(false, Duration.ZERO).prepared(), Duration.ZERO);
        assertThat(markers(0, halfCommitted)).isZero();
    }

    private long markers(int shard, String gid) {
        return topology.shard(shard)
                .primary()
                .queryLong("select count(*) from strata_meta.tx_markers where gid = '" + gid + "'");
    }
}
