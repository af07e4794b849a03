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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
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
                HikariCP directly. By hand: PostgreSQL's own two-phase commit written with plain pgjdbc over
                Strata's two pools (the same two updates, PREPARE TRANSACTION on both at once, COMMIT PREPARED on
                both at once; no router, no recovery), bare and with the commit-marker insert Strata sends in
                the PREPARE round trip: the bare ratio is what two-phase commit costs on these servers whatever
                a client does, the difference between the two is what the marker costs. Two runs, on fresh servers: PostgreSQL as the testkit runs it
                (`fsync=off`: no side flushes), and PostgreSQL with production durability (`fsync=on`,
                `synchronous_commit=on`: like for like, every commit, PREPARE and COMMIT PREPARED flushes
                its WAL). The previous version also forced a local coordinator log (about 170-210 us per
                `fdatasync` on this machine's disk); its figures are below.
                %d rounds of %.1f s per path (the four in turn, rotating) after a %.1f s warm-up; p50 over all rounds,
                ops/s = median round.

                #### PostgreSQL `fsync=off` (testkit default; nothing is flushed)

                | threads | one database p50 (us) | Strata 2PC p50 (us) | by hand p50 (us) | by hand + marker p50 (us) | Strata ratio | by-hand ratio | by hand + marker ratio | one database tx/s | Strata 2PC tx/s | by hand tx/s | by hand + marker tx/s | load avg (1 min) |
                |---|---|---|---|---|---|---|---|---|---|---|---|---|
                %s
                Commit markers (`strata.router.2pc.markers.deleted`, deleted in the background): %s

                %s

                #### PostgreSQL `fsync=on`, `synchronous_commit=on` (like for like: every side flushes)

                | threads | one database p50 (us) | Strata 2PC p50 (us) | by hand p50 (us) | by hand + marker p50 (us) | Strata ratio | by-hand ratio | by hand + marker ratio | one database tx/s | Strata 2PC tx/s | by hand tx/s | by hand + marker tx/s | load avg (1 min) |
                |---|---|---|---|---|---|---|---|---|---|---|---|---|
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
                p.execute("create schema if not exists bench_hand");
                p.execute("create table bench_hand.tx_markers (gid text primary key, aborted boolean not null default"
                        + " false, at timestamptz not null default clock_timestamp())");
            }
            long[] a = onShard0.stream().mapToLong(Long::longValue).toArray();
            long[] b = onShard1.stream().mapToLong(Long::longValue).toArray();
            StringBuilder rows = new StringBuilder();
            String markers = "";
            List<Double> throughput = new ArrayList<>();
            double ratioAtOne = 0;
            double floorAtOne = 0;
            double markerAtOne = 0;
            ExecutorService helpers = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "2pc-by-hand");
                t.setDaemon(true);
                return t;
            });
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
                    // the paths: one database, Strata, PostgreSQL two-phase commit by hand (bare,
                    // then with the same commit-marker insert Strata sends with each PREPARE)
                    List<ClosedLoop.Operation> paths = List.of(
                            random -> once(single, a, b, random),
                            random -> once(strata, a, b, random),
                            byHand(pools.get(0), pools.get(1), a, b, helpers, false),
                            byHand(pools.get(0), pools.get(1), a, b, helpers, true));
                    List<org.HdrHistogram.Histogram> latency = new ArrayList<>();
                    List<List<Double>> ops = new ArrayList<>();
                    for (ClosedLoop.Operation path : paths) {
                        ClosedLoop.run(threads, WARMUP_NANOS, path);
                        latency.add(new org.HdrHistogram.Histogram(3));
                        ops.add(new ArrayList<>());
                    }
                    for (int r = 0; r < ROUNDS; r++) {
                        for (int k = 0; k < paths.size(); k++) { // in turn, each path first in some round
                            int path = (r + k) % paths.size();
                            ClosedLoop.Result x = ClosedLoop.run(threads, ROUND_NANOS, paths.get(path));
                            latency.get(path).add(x.latency());
                            ops.get(path).add(x.opsPerSecond());
                            deleteHandMarkers(topology);
                        }
                    }
                    double[] p50 = new double[paths.size()];
                    for (int i = 0; i < p50.length; i++) {
                        p50[i] = latency.get(i).getValueAtPercentile(50);
                    }
                    throughput.add(ClosedLoop.median(ops.get(1)));
                    if (threads == 1) {
                        ratioAtOne = p50[1] / p50[0];
                        floorAtOne = p50[2] / p50[0];
                        markerAtOne = p50[3] / p50[0];
                    }
                    rows.append(
                            "| %d | %.0f | %.0f | %.0f | %.0f | **%.2fx** | %.2fx | %.2fx | %,.0f | %,.0f | %,.0f | %,.0f | %.2f |%n"
                                    .formatted(
                                            threads,
                                            p50[0],
                                            p50[1],
                                            p50[2],
                                            p50[3],
                                            p50[1] / p50[0],
                                            p50[2] / p50[0],
                                            p50[3] / p50[0],
                                            ClosedLoop.median(ops.get(0)),
                                            ClosedLoop.median(ops.get(1)),
                                            ClosedLoop.median(ops.get(2)),
                                            ClosedLoop.median(ops.get(3)),
                                            ManagementFactory.getOperatingSystemMXBean()
                                                    .getSystemLoadAverage()));
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
            helpers.shutdown();
            return new Measured(
                    rows.toString().strip(),
                    markers.isEmpty() ? "not measured (no such metric)" : markers.strip(),
                    ("Goals (PostgreSQL fsync=%s): latency ratio at 1 thread %.2fx, goal <= 2x %s (PostgreSQL's own"
                                    + " two-phase commit by hand: %.2fx bare, %.2fx with the commit marker); Strata 2PC"
                                    + " throughput at 1 / 4 / 16 threads %,.0f / %,.0f / %,.0f tx/s, goal: grows with"
                                    + " threads %s.")
                            .formatted(
                                    fsync,
                                    ratioAtOne,
                                    ratioAtOne <= 2 ? "met" : "**NOT met**",
                                    floorAtOne,
                                    markerAtOne,
                                    throughput.get(0),
                                    throughput.get(1),
                                    throughput.get(2),
                                    throughput.get(0) < throughput.get(1) && throughput.get(1) < throughput.get(2)
                                            ? "met"
                                            : "**NOT met**"));
        }
    }

    /**
     * PostgreSQL's own two-phase commit written by hand with plain pgjdbc over the same pools: the
     * same two updates, then PREPARE TRANSACTION on both shards in parallel (the second on a helper
     * thread), then COMMIT PREPARED on both in parallel. No router, no commit marker, no recovery:
     * what two-phase commit costs on these servers whatever the client does.
     */
    private static ClosedLoop.Operation byHand(
            DataSource shard0, DataSource shard1, long[] a, long[] b, ExecutorService helpers, boolean marker) {
        AtomicLong ids = new AtomicLong();
        return random -> {
            try (Connection x = shard0.getConnection();
                    Connection y = shard1.getConnection()) {
                x.setAutoCommit(false);
                y.setAutoCommit(false);
                try (PreparedStatement ps = x.prepareStatement(SQL);
                        PreparedStatement qs = y.prepareStatement(SQL)) {
                    ps.setLong(1, a[random.nextInt(a.length)]);
                    ps.executeUpdate();
                    qs.setLong(1, b[random.nextInt(b.length)]);
                    qs.executeUpdate();
                }
                String gid = "bench_by_hand_" + ids.incrementAndGet();
                String mark = marker ? "INSERT INTO bench_hand.tx_markers (gid) VALUES ('" + gid + "'); " : "";
                bothAtOnce(x, y, mark + "PREPARE TRANSACTION '" + gid + "'", helpers);
                x.setAutoCommit(true);
                y.setAutoCommit(true);
                bothAtOnce(x, y, "COMMIT PREPARED '" + gid + "'", helpers);
            }
        };
    }

    private static void bothAtOnce(Connection x, Connection y, String sql, ExecutorService helpers) throws Exception {
        Future<?> other = helpers.submit(() -> {
            try (Statement st = y.createStatement()) {
                st.execute(sql);
            }
            return null;
        });
        try (Statement st = x.createStatement()) {
            st.execute(sql);
        }
        other.get();
    }

    private static void once(DataSource ds, long[] a, long[] b, ThreadLocalRandom random) throws Exception {
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
    }

    /** Deletes the by-hand path's markers between rounds (Strata deletes its own in the background). */
    private static void deleteHandMarkers(PgTopology topology) {
        for (int s = 0; s < 2; s++) {
            topology.shard(s).primary().execute("delete from bench_hand.tx_markers");
        }
    }
}
