package io.strata.benchmarks.router;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import io.strata.benchmarks.ClosedLoop;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.ShardingDataSource;
import io.strata.router.TableRule;
import io.strata.router.TransactionPolicy;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A transaction that updates two rows on two shards (two-phase commit through Strata) vs the same
 * two rows updated and committed on one PostgreSQL holding every row, at 1, 4 and 16 threads.
 */
public final class TwoPhaseCommitBenchmark implements Benchmark {

    private static final int ROWS = 20_000;
    private static final int ROUNDS = 5;
    private static final long ROUND_NANOS = 800_000_000L;
    private static final long WARMUP_NANOS = 1_500_000_000L;
    private static final String SQL = "update bench_accounts set v = v + 1 where id = ?";

    @Override
    public String name() {
        return "router-2pc";
    }

    /** What one durability setting measured: its table rows, markers line and goal line. */
    private record Measured(String rows, String markers, String goals) {}

    @Override
    public String run(BenchmarkContext context) throws Exception {
        // PostgreSQL runs first as the testkit runs it (fsync=off), then with production durability
        // (fsync=on, synchronous_commit=on), where its own commits (and PREPARE / COMMIT PREPARED)
        // pay a real flush. Strata writes no local log any more: the decision lives in the shards.
        Measured off = measure("off");
        Measured on = measure("on");
        return """
                ### Router: two-phase commit of a 2-shard transaction vs a 1-shard commit of the same rows

                Each operation: `getConnection()`, `setAutoCommit(false)`, `%s` for one random id on each of
                two shards, `commit()`, close. Strata: 2 primaries, two-phase commit with the decision in the
                shards: on both in parallel, one round trip `INSERT INTO strata_meta.tx_markers (gid) ...;
                PREPARE TRANSACTION` (all prepared = committed, nothing written or forced locally), then
                COMMIT PREPARED on both in parallel; the markers are deleted in the background, in batches.
                Baseline: the same two updates committed on a third PostgreSQL holding every row, through
                HikariCP directly. Two runs, on fresh servers: PostgreSQL as the testkit runs it
                (`fsync=off`: no side flushes), and PostgreSQL with production durability (`fsync=on`,
                `synchronous_commit=on`: like for like, every commit, PREPARE and COMMIT PREPARED flushes
                its WAL). The previous version also forced a local coordinator log (about 170-210 us per
                `fdatasync` on this machine's disk); its figures are below.
                %d rounds of %.1f s per path (alternating) after a %.1f s warm-up; p50 over all rounds,
                ops/s = median round.

                #### PostgreSQL `fsync=off` (testkit default; nothing is flushed)

                | threads | one database p50 (us) | Strata 2PC p50 (us) | latency ratio | one database tx/s | Strata 2PC tx/s | load avg (1 min) |
                |---|---|---|---|---|---|---|
                %s
                Commit markers (`strata.router.2pc.markers.deleted`, deleted in the background): %s

                %s

                #### PostgreSQL `fsync=on`, `synchronous_commit=on` (like for like: every side flushes)

                | threads | one database p50 (us) | Strata 2PC p50 (us) | latency ratio | one database tx/s | Strata 2PC tx/s | load avg (1 min) |
                |---|---|---|---|---|---|---|
                %s
                Commit markers: %s

                %s
                %s
                Rerun: `mvn -B -q -pl benchmarks -am package -DskipTests exec:exec -Dbench=router-2pc`

                %s
                """.formatted(
                        SQL,
                        ROUNDS,
                        ROUND_NANOS / 1e9,
                        WARMUP_NANOS / 1e9,
                        off.rows(),
                        off.markers(),
                        off.goals(),
                        on.rows(),
                        on.markers(),
                        on.goals(),
                        context.machineLine(),
                        BenchmarkContext.before(name()));
    }

    private Measured measure(String fsync) throws Exception {
        try (PgTopology topology = PgTopology.builder()
                .shards(3)
                .replicasPerShard(0)
                .setting("max_connections", "60")
                .setting("fsync", fsync)
                .setting("synchronous_commit", "on")
                .start()) {
            ShardMap map = ShardMap.uniform(List.of("shard0", "shard1"));
            List<Long> onShard0 = new ArrayList<>();
            List<Long> onShard1 = new ArrayList<>();
            for (long id = 1; id <= ROWS; id++) {
                (map.shardIndexOf(id, KeyType.LONG) == 0 ? onShard0 : onShard1).add(id);
            }
            for (int s = 0; s < 3; s++) {
                PgServer p = topology.shard(s).primary();
                p.execute("create table bench_accounts (id bigint primary key, v bigint not null)");
                p.execute("insert into bench_accounts select g, 0 from generate_series(1, " + ROWS + ") g");
                p.execute("vacuum analyze bench_accounts");
            }
            long[] a = onShard0.stream().mapToLong(Long::longValue).toArray();
            long[] b = onShard1.stream().mapToLong(Long::longValue).toArray();
            StringBuilder rows = new StringBuilder();
            String markers = "";
            List<Double> throughput = new ArrayList<>();
            double ratioAtOne = 0;
            for (int threads : new int[] {1, 4, 16}) {
                List<HikariDataSource> pools = new ArrayList<>();
                for (int s = 0; s < 3; s++) {
                    pools.add(ScatterBenchmark.hikari(topology.shard(s).primary(), threads + 1, "2pc-" + s));
                }
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                ShardingDataSource.Builder builder = ShardingDataSource.builder()
                        .transactionPolicy(TransactionPolicy.TWO_PHASE)
                        .coordinatorId("bench")
                        .meterRegistry(registry)
                        .table(TableRule.sharded("bench_accounts", "id", KeyType.LONG));
                builder.shard("shard0", pools.get(0));
                builder.shard("shard1", pools.get(1));
                try (ShardingDataSource strata = builder.build()) {
                    DataSource single = pools.get(2);
                    once(single, a, b, threads, WARMUP_NANOS);
                    once(strata, a, b, threads, WARMUP_NANOS);
                    org.HdrHistogram.Histogram one = new org.HdrHistogram.Histogram(3);
                    org.HdrHistogram.Histogram two = new org.HdrHistogram.Histogram(3);
                    List<Double> oneOps = new ArrayList<>();
                    List<Double> twoOps = new ArrayList<>();
                    for (int r = 0; r < ROUNDS; r++) {
                        boolean singleFirst = r % 2 == 0;
                        ClosedLoop.Result x = once(singleFirst ? single : strata, a, b, threads, ROUND_NANOS);
                        ClosedLoop.Result y = once(singleFirst ? strata : single, a, b, threads, ROUND_NANOS);
                        ClosedLoop.Result s1 = singleFirst ? x : y;
                        ClosedLoop.Result s2 = singleFirst ? y : x;
                        one.add(s1.latency());
                        two.add(s2.latency());
                        oneOps.add(s1.opsPerSecond());
                        twoOps.add(s2.opsPerSecond());
                    }
                    double p1 = one.getValueAtPercentile(50);
                    double p2 = two.getValueAtPercentile(50);
                    throughput.add(ClosedLoop.median(twoOps));
                    if (threads == 1) {
                        ratioAtOne = p2 / p1;
                    }
                    rows.append("| %d | %.0f | %.0f | **%.2fx** | %,.0f | %,.0f | %.2f |%n"
                            .formatted(
                                    threads,
                                    p1,
                                    p2,
                                    p2 / p1,
                                    ClosedLoop.median(oneOps),
                                    ClosedLoop.median(twoOps),
                                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
                    var committed = registry.find("strata.router.2pc")
                            .tag("outcome", "committed")
                            .counter();
                    var deleted =
                            registry.find("strata.router.2pc.markers.deleted").functionCounter();
                    var pending =
                            registry.find("strata.router.2pc.markers.pending").gauge();
                    if (committed != null && deleted != null && pending != null) {
                        markers += "%d threads: %,.0f commits, %,.0f markers deleted, %,.0f pending; "
                                .formatted(threads, committed.count(), deleted.count(), pending.value());
                    }
                } finally {
                    for (HikariDataSource p : pools) {
                        p.close();
                    }
                }
            }
            return new Measured(
                    rows.toString().strip(),
                    markers.isEmpty() ? "not measured (no such metric)" : markers.strip(),
                    ("Goals (PostgreSQL fsync=%s): latency ratio at 1 thread %.2fx, goal <= 2x %s; Strata 2PC"
                                    + " throughput at 1 / 4 / 16 threads %,.0f / %,.0f / %,.0f tx/s, goal: grows with"
                                    + " threads %s.")
                            .formatted(
                                    fsync,
                                    ratioAtOne,
                                    ratioAtOne <= 2 ? "met" : "**NOT met**",
                                    throughput.get(0),
                                    throughput.get(1),
                                    throughput.get(2),
                                    throughput.get(0) < throughput.get(1) && throughput.get(1) < throughput.get(2)
                                            ? "met"
                                            : "**NOT met**"));
        }
    }

    private static ClosedLoop.Result once(DataSource ds, long[] a, long[] b, int threads, long nanos) throws Exception {
        return ClosedLoop.run(threads, nanos, random -> {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(SQL)) {
                    ps.setLong(1, a[random.nextInt(a.length)]);
                    ps.executeUpdate();
                    ps.setLong(1, b[random.nextInt(b.length)]);
                    ps.executeUpdate();
                }
                c.commit();
            }
        });
    }
}
