package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression: two data sources with the SAME coordinator id on one machine (the default id is the
 * host name, so two JVMs on one host share it, and with it the default coordinator-log file). With
 * the decision in a local log, the restarting one's recovery rolled back the other's in-flight
 * prepared transactions, and the other then reported success after its COMMIT PREPARED failed: an
 * acknowledged commit lost. With the decision in the shards (markers), a restart may abort
 * in-flight transactions (their commit throws) but never loses one that was acknowledged.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SameCoordinatorIdTwoPhaseTest {

    private PgTopology topology;
    private Path sharedLog;

    @BeforeAll
    void setUp(PgTopology topology) throws Exception {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table sci_pairs (id bigint primary key, pair bigint not null)");
        sharedLog = Files.createTempDirectory("strata-2pc-shared").resolve("coordinator.log");
    }

    @AfterAll
    void tearDown() throws SQLException {
        FourShards.onEveryPrimary(topology, "drop table sci_pairs");
    }

    private ShardingDataSource open() {
        ShardingDataSource.Builder b = ShardingDataSource.builder()
                .coordinatorId("same-host")
                .coordinatorLog(sharedLog) // what two JVMs on one host share by default
                .closeShards(true)
                .table(TableRule.sharded("sci_pairs", "id", KeyType.LONG));
        for (PgShard s : topology.shards()) {
            // generous connection timeout: each restart opens new pools on a loaded 2-core machine
            io.strata.testkit.PgServer p = s.primary();
            var rs = io.strata.replication.ReplicaSetDataSource.builder()
                    .name(s.name())
                    .primary(p.name(), p.jdbcUrl())
                    .username(p.user())
                    .primaryPool(c -> {
                        c.setMaximumPoolSize(5);
                        c.setConnectionTimeout(30_000);
                    })
                    .replicaPool(c -> {
                        c.setMaximumPoolSize(3);
                        c.setConnectionTimeout(30_000);
                    });
            for (io.strata.testkit.PgServer r : s.replicas()) {
                rs.replica(r.name(), r.jdbcUrl());
            }
            b.shard(rs.build());
        }
        return b.build();
    }

    @Test
    void aRestartOfAnotherDataSourceWithTheSameCoordinatorIdLosesNoAcknowledgedCommit() throws Exception {
        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong next = new AtomicLong();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ShardingDataSource committer = open()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        long pair = next.getAndIncrement();
                        try (Connection c = committer.getConnection()) {
                            c.setAutoCommit(false);
                            FourShards.insertPair(committer, c, "sci_pairs", pair);
                            c.commit();
                            acknowledged.add(pair);
                        } catch (SQLException e) {
                            failed.incrementAndGet(); // aborted by the other's recovery: allowed
                        }
                    }
                    return null;
                }));
            }
            for (int restart = 0; restart < 12; restart++) {
                int before = acknowledged.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= before + 5);
                try (ShardingDataSource restarting = open()) {
                    assertThat(restarting.shards()).hasSize(4); // its recovery ran while building
                }
            }
            stop.set(true);
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        try (ShardingDataSource last = open()) {
            last.recover();
        }
        assertThat(FourShards.preparedTransactions(topology)).isZero();
        Map<Long, Long> pairs = FourShards.pairs(topology, "sci_pairs");
        assertThat(pairs.values()).as("every pair on both shards or on none").containsOnly(2L);
        assertThat(pairs.keySet())
                .as(
                        "every acknowledged commit is there (%d acknowledged, %d failed)",
                        acknowledged.size(), failed.get())
                .containsAll(acknowledged);
    }

    @Test
    void aRestartWhileACommitWithTheSameIdIsHalfPreparedAbortsThatCommitAndItSaysSo() throws Exception {
        // Deterministic form of the race above: one shard prepared, the other not yet sent.
        long pair = 1_000_000;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (ShardingDataSource committer = open()) {
            java.util.concurrent.CountDownLatch prepared = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger sends = new java.util.concurrent.atomic.AtomicInteger();
            committer
                    .unwrap(io.strata.router.internal.txn.TwoPhaseCommit.class)
                    .listener(new io.strata.router.internal.txn.TwoPhaseCommit.Listener() {
                        @Override
                        public void beforePrepare(String gid, int shard) {
                            if (sends.incrementAndGet() == 2) {
                                held.countDown();
                                try {
                                    release.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        }

                        @Override
                        public void prepared(String gid, int shard) {
                            prepared.countDown();
                        }
                    });
            Future<?> commit = pool.submit(() -> {
                try (Connection c = committer.getConnection()) {
                    c.setAutoCommit(false);
                    FourShards.insertPair(committer, c, "sci_pairs", pair);
                    c.commit();
                }
                return null;
            });
            assertThat(held.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(prepared.await(60, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
            try (ShardingDataSource restarting = open()) { // recovery: G prepared on 1 of 2 -> block, roll back
                assertThat(FourShards.preparedTransactions(topology)).isZero();
            }
            release.countDown(); // the second participant now tries to insert its marker and prepare
            assertThat(org.assertj.core.api.Assertions.catchThrowable(commit::get))
                    .as("the commit is not acknowledged")
                    .hasCauseInstanceOf(SQLException.class)
                    .cause()
                    .hasFieldOrPropertyWithValue("SQLState", "40001")
                    .hasMessageContaining("nothing was committed");
        } finally {
            pool.shutdownNow();
        }
        assertThat(FourShards.pairs(topology, "sci_pairs")).doesNotContainKey(pair);
        assertThat(FourShards.preparedTransactions(topology)).isZero();
    }
}
