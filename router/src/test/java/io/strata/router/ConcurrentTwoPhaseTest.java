package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two-phase commit under concurrency (issue 17): marker insert + PREPARE and COMMIT PREPARED in
 * parallel, the commit markers deleted in the background once every shard committed, and a
 * coordinator killed while many transactions are in flight still leaving each one complete on both
 * shards or on none: one stopped after ALL its shards prepared is committed by recovery, one stopped
 * after only SOME prepared is absent.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentTwoPhaseTest {

    private PgTopology topology;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table ctp_pairs (id bigint primary key, pair bigint not null)");
    }

    @BeforeEach
    void clean() throws SQLException {
        FourShards.onEveryPrimary(topology, "truncate ctp_pairs");
    }

    @AfterAll
    void tearDown() throws SQLException {
        FourShards.onEveryPrimary(topology, "drop table ctp_pairs");
    }

    @Test
    void manyThreadsCommitTwoShardTransactionsAndTheirMarkersAreDeletedInTheBackground() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int threads = 16;
        int each = 12;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long markersBefore = markerRows(); // other classes' recovery leaves aborted markers for the sweep
        try (ShardingDataSource ds = FourShards.router(
                topology,
                b -> b.meterRegistry(registry)
                        .maxConnectionsPerShard(3) // at most the replica sets' smallest pool
                        .table(TableRule.sharded("ctp_pairs", "id", KeyType.LONG)))) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        try (Connection c = ds.getConnection()) {
                            c.setAutoCommit(false);
                            FourShards.insertPair(ds, c, "ctp_pairs", thread * 1000L + i);
                            c.commit();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            // Every committed transaction's two markers are deleted off the critical path.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> registry.get("strata.router.2pc.markers.deleted")
                                    .functionCounter()
                                    .count()
                            >= 2.0 * threads * each);
            assertThat(registry.get("strata.router.2pc.markers.pending").gauge().value())
                    .isZero();
            assertThat(markerRows()).isEqualTo(markersBefore);
            assertThat(registry.get("strata.router.2pc")
                            .tag("outcome", "committed")
                            .counter()
                            .count())
                    .isEqualTo(threads * each);
        } finally {
            pool.shutdownNow();
        }
        Map<Long, Long> pairs = FourShards.pairs(topology, "ctp_pairs");
        assertThat(pairs).hasSize(threads * each);
        assertThat(pairs.values()).containsOnly(2L);
        assertThat(FourShards.preparedTransactions(topology)).isZero();
    }

    /** Commit markers left on every primary. */
    private long markerRows() throws SQLException {
        long n = 0;
        for (PgShard s : topology.shards()) {
            if (s.primary()
                            .queryLong("select count(*) from pg_tables where schemaname = 'strata_meta'"
                                    + " and tablename = 'tx_markers'")
                    > 0) {
                n += s.primary().queryLong("select count(*) from strata_meta.tx_markers");
            }
        }
        return n;
    }

    @Test
    void aCoordinatorKilledWithManyTransactionsInFlightLeavesEachCompleteOrAbsentAfterRecovery() throws Exception {
        Path yaml = FourShards.yaml(topology, "  ctp_pairs: { sharded: id, type: bigint }\n", "");
        List<String> command = List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                ConcurrentCrashChild.class.getName(),
                yaml.toString(),
                "ctp_pairs",
                "8");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        Set<Long> committed = new HashSet<>();
        long decided = -1;
        long partial = -1;
        StringBuilder output = new StringBuilder();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean ready = false;
            while ((line = out.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith("COMMITTED ")) {
                    committed.add(Long.parseLong(line.substring(10)));
                } else if (line.startsWith("DECIDED ")) {
                    decided = Long.parseLong(line.substring(8));
                } else if (line.startsWith("PARTIAL ")) {
                    partial = Long.parseLong(line.substring(8));
                } else if (line.equals("READY")) {
                    ready = true;
                    break;
                }
            }
            assertThat(ready).as("child output:\n%s", output).isTrue();
            child.destroyForcibly(); // SIGKILL while the other threads keep committing
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        // the two stopped ones: 2 prepared (decided) + 1 prepared (partial; its other shard never sent)
        assertThat(FourShards.preparedTransactions(topology)).isGreaterThanOrEqualTo(3);
        try (ShardingDataSource restarted = ShardingDataSource.fromYaml(yaml)) {
            assertThat(restarted.shards()).hasSize(4); // recovery ran while building
        }
        assertThat(FourShards.preparedTransactions(topology)).isZero();
        Map<Long, Long> pairs = FourShards.pairs(topology, "ctp_pairs");
        assertThat(pairs.values())
                .as("every transaction on both shards or on none")
                .containsOnly(2L);
        assertThat(pairs.keySet()).containsAll(committed);
        assertThat(pairs).containsKey(decided);
        assertThat(pairs).as("stopped after only one shard prepared").doesNotContainKey(partial);
        assertThat(committed.size()).isGreaterThanOrEqualTo(40);
    }
}
