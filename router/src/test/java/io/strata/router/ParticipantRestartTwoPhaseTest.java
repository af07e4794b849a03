package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.router.internal.txn.TwoPhaseCommit;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A participant's server dies after every shard prepared, at the worst moment: the transaction is
 * committed, but that shard's COMMIT PREPARED fails. The commit must not return while that shard's
 * rows are still invisible there if the shard comes back within the finish wait, and a shard that
 * stays away longer must be finished as soon as it is back, not at the next recovery run.
 *
 * <p>Both tests fail on the version that only logged the failed COMMIT PREPARED and left it to
 * periodic recovery: after the first commit returned, a read of the restarted shard saw the old row.
 */
@WithPgTopology(shards = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParticipantRestartTwoPhaseTest {

    private PgTopology topology;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long keyA;
    private long keyB;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        for (int s = 0; s < 2; s++) {
            PgServer p = topology.shard(s).primary();
            p.execute("create table t_restart (id bigint primary key, v bigint not null)");
            HikariConfig c = new HikariConfig();
            c.setJdbcUrl(p.jdbcUrl());
            c.setUsername(p.user());
            c.setMaximumPoolSize(4);
            c.setPoolName("restart-" + s);
            pools.add(new HikariDataSource(c));
        }
        ShardMap map = ShardMap.uniform(List.of("shard0", "shard1"));
        keyA = 1;
        while (map.shardIndexOf(keyA, KeyType.LONG) != 0) {
            keyA++;
        }
        keyB = 1;
        while (map.shardIndexOf(keyB, KeyType.LONG) != 1) {
            keyB++;
        }
    }

    @BeforeEach
    void rows() {
        for (int s = 0; s < 2; s++) {
            PgServer p = topology.shard(s).primary();
            if (!p.isRunning()) {
                p.start();
            }
            p.execute("truncate t_restart");
        }
        topology.shard(0).primary().execute("insert into t_restart values (" + keyA + ", 0)");
        topology.shard(1).primary().execute("insert into t_restart values (" + keyB + ", 0)");
    }

    @AfterEach
    void serversUp() {
        for (int s = 0; s < 2; s++) {
            if (!topology.shard(s).primary().isRunning()) {
                topology.shard(s).primary().start();
            }
        }
    }

    @AfterAll
    void tearDown() {
        pools.forEach(HikariDataSource::close);
        for (int s = 0; s < 2; s++) {
            topology.shard(s).primary().execute("drop table t_restart");
        }
    }

    private ShardingDataSource router(Duration finishWait) {
        return ShardingDataSource.builder()
                .shard("shard0", pools.get(0))
                .shard("shard1", pools.get(1))
                .transactionPolicy(TransactionPolicy.TWO_PHASE)
                .coordinatorId("restart")
                .meterRegistry(registry)
                .twoPhaseRecovery(Duration.ofHours(1)) // periodic recovery must not be what finishes it
                .twoPhaseFinishWait(finishWait)
                .table(TableRule.sharded("t_restart", "id", KeyType.LONG))
                .build();
    }

    /** Kills shard1's server once every shard prepared, before any COMMIT PREPARED is sent. */
    private static void killShard1WhenDecided(ShardingDataSource router, PgServer shard1, Runnable then)
            throws SQLException {
        router.unwrap(TwoPhaseCommit.class).listener(new TwoPhaseCommit.Listener() {
            @Override
            public void decided(String gid) {
                shard1.kill();
                then.run();
            }
        });
    }

    private static void transfer(ShardingDataSource router, long a, long b) throws SQLException {
        try (Connection c = router.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("update t_restart set v = v + 1 where id = ?")) {
                ps.setLong(1, a);
                assertThat(ps.executeUpdate()).isEqualTo(1);
                ps.setLong(1, b);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            c.commit();
        }
    }

    private long value(int shard, long key) {
        return topology.shard(shard).primary().queryLong("select v from t_restart where id = " + key);
    }

    private long prepared(int shard) {
        return topology.shard(shard).primary().queryLong("select count(*) from pg_prepared_xacts");
    }

    @Test
    void aCommitWhoseParticipantRestartedAfterPrepareReturnsWithItsRowsVisibleThere() throws Exception {
        PgServer shard1 = topology.shard(1).primary();
        AtomicReference<Thread> restart = new AtomicReference<>();
        try (ShardingDataSource router = router(Duration.ofMinutes(2))) {
            killShard1WhenDecided(router, shard1, () -> {
                Thread t = new Thread(shard1::start, "restart-shard1");
                restart.set(t);
                t.start();
            });
            transfer(router, keyA, keyB);
            // On return, with shard1 back within the wait: the rows are visible on both shards
            // (before the fix the commit returned at once and shard1 kept the row prepared).
            assertThat(restart.get()).isNotNull();
            restart.get().join();
            assertThat(value(0, keyA)).isEqualTo(1);
            assertThat(value(1, keyB)).isEqualTo(1);
            assertThat(prepared(0) + prepared(1)).isZero();
            assertThat(registry.counter("strata.router.2pc", "outcome", "finished_on_retry")
                            .count())
                    .isEqualTo(1);
            // and the router goes on committing over the restarted shard (pooled connections to the
            // killed server are dropped first, as after any server restart)
            pools.get(1).getHikariPoolMXBean().softEvictConnections();
            router.unwrap(TwoPhaseCommit.class).listener(new TwoPhaseCommit.Listener() {});
            transfer(router, keyA, keyB);
            assertThat(value(0, keyA)).isEqualTo(2);
            assertThat(value(1, keyB)).isEqualTo(2);
        }
    }

    @Test
    void aParticipantBackAfterTheWaitIsFinishedAsSoonAsItIsUpNotAtTheNextRecovery() throws Exception {
        PgServer shard1 = topology.shard(1).primary();
        try (ShardingDataSource router = router(Duration.ZERO)) {
            killShard1WhenDecided(router, shard1, () -> {});
            transfer(router, keyA, keyB); // committed: returns without waiting for shard1
            assertThat(value(0, keyA)).isEqualTo(1);
            assertThat(shard1.isRunning()).isFalse();
            shard1.start();
            // recovery runs once an hour here: only the background retries can finish it
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(value(1, keyB)).isEqualTo(1);
                assertThat(prepared(1)).isZero();
            });
        }
    }
}
