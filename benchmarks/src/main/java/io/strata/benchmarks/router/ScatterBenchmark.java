package io.strata.benchmarks.router;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;

/**
 * Scatter-gather latency: the same statements through Strata over 4 shards and straight to one
 * PostgreSQL holding all rows (the baseline), at 1 and 4 threads. Results are checked identical
 * before anything is timed. Rounds alternate which path goes first.
 */
public final class ScatterBenchmark implements Benchmark {

    static final int SHARDS = 4;
    private static final int ROWS = 400_000;
    private static final int ROUNDS = 5;
    private static final long ROUND_NANOS = 700_000_000L;
    private static final long WARMUP_NANOS = 1_500_000_000L;

    /** One measured statement: its label, SQL, and how many ids it binds (0: none). */
    private record Query(String label, String sql, int ids) {}

    private static final List<Query> QUERIES = List.of(
            new Query(
                    "top-20 by an indexed column",
                    "select id, created_at from bench_orders order by created_at desc limit 20",
                    0),
            new Query("count(*)", "select count(*) from bench_orders", 0),
            new Query(
                    "50-group GROUP BY",
                    "select grp, count(*), sum(amount) from bench_orders group by grp order by grp",
                    0),
            new Query(
                    "20-id IN list",
                    "select id, amount from bench_orders where id in (" + "?, ".repeat(19) + "?) order by id",
                    20));

    @Override
    public String name() {
        return "router-scatter";
    }

    @Override
    public String run(BenchmarkContext context) throws Exception {
        try (PgTopology topology = PgTopology.builder()
                .shards(SHARDS + 1)
                .replicasPerShard(0)
                .setting("max_connections", "60")
                .start()) {
            List<String> names = new ArrayList<>();
            for (int s = 0; s < SHARDS; s++) {
                names.add("shard" + s);
            }
            load(topology, ShardMap.uniform(names));
            StringBuilder rows = new StringBuilder();
            StringBuilder goals = new StringBuilder();
            StringBuilder floor = new StringBuilder();
            for (int threads : new int[] {1, 4}) {
                List<HikariDataSource> pools = new ArrayList<>();
                for (int s = 0; s <= SHARDS; s++) {
                    pools.add(hikari(topology.shard(s).primary(), threads + 1, "scatter-" + s));
                }
                ShardingDataSource.Builder b = ShardingDataSource.builder()
                        .transactionPolicy(TransactionPolicy.REJECT)
                        .table(TableRule.sharded("bench_orders", "id", KeyType.LONG));
                for (int s = 0; s < SHARDS; s++) {
                    b.shard(names.get(s), pools.get(s));
                }
                // The same shards with every call of a statement run one after another on the
                // calling thread (maxShardsPerStatement 1): what the executor hand-off costs or wins.
                ShardingDataSource.Builder sb = ShardingDataSource.builder()
                        .transactionPolicy(TransactionPolicy.REJECT)
                        .maxShardsPerStatement(1)
                        .table(TableRule.sharded("bench_orders", "id", KeyType.LONG));
                for (int s = 0; s < SHARDS; s++) {
                    sb.shard(names.get(s), pools.get(s));
                }
                try (ShardingDataSource strata = b.build();
                        ShardingDataSource sequential = sb.build()) {
                    DataSource single = pools.get(SHARDS);
                    for (Query q : QUERIES) {
                        check(q, single, strata);
                        check(q, single, sequential);
                        once(q, single, threads, WARMUP_NANOS);
                        once(q, strata, threads, WARMUP_NANOS);
                        once(q, sequential, threads, WARMUP_NANOS);
                        Histogram one = new Histogram(3);
                        Histogram many = new Histogram(3);
                        Histogram inOrder = new Histogram(3);
                        List<Double> oneOps = new ArrayList<>();
                        List<Double> manyOps = new ArrayList<>();
                        List<DataSource> paths = List.of(single, strata, sequential);
                        CpuUse[] cpu = {new CpuUse(), new CpuUse(), new CpuUse()};
                        for (int r = 0; r < ROUNDS; r++) {
                            // rotate which path goes first
                            ClosedLoop.Result[] res = new ClosedLoop.Result[3];
                            for (int i = 0; i < 3; i++) {
                                int path = (i + r) % 3;
                                long[] servers0 = serverCpuNanos(topology);
                                long executor0 = executorCpuNanos();
                                res[path] = once(q, paths.get(path), threads, ROUND_NANOS);
                                cpu[path].add(
                                        res[path], servers0, serverCpuNanos(topology), executorCpuNanos() - executor0);
                            }
                            one.add(res[0].latency());
                            many.add(res[1].latency());
                            inOrder.add(res[2].latency());
                            oneOps.add(res[0].opsPerSecond());
                            manyOps.add(res[1].opsPerSecond());
                        }
                        double p1 = one.getValueAtPercentile(50);
                        double p4 = many.getValueAtPercentile(50);
                        double pSeq = inOrder.getValueAtPercentile(50);
                        if (threads == 1 && (q == QUERIES.get(0) || q == QUERIES.get(3))) {
                            double floorRatio = floorMicros(cpu[1], context.cores()) / p1;
                            goals.append("%s at 1 thread: %.2fx, goal <= 1.5x %s (the CPU floor alone: %.2fx). "
                                    .formatted(q.label(), p4 / p1, p4 / p1 <= 1.5 ? "met" : "**NOT met**", floorRatio));
                        }
                        if (threads == 1) {
                            floor.append(floorRow(q, cpu, p1, p4, context.cores()));
                        }
                        rows.append("| %d | %s | %.0f | %.0f | **%.2fx** | %.0f (%.2fx) | %,.0f | %,.0f | %.2f |%n"
                                .formatted(
                                        threads,
                                        q.label(),
                                        p1,
                                        p4,
                                        p4 / p1,
                                        pSeq,
                                        pSeq / p1,
                                        ClosedLoop.median(oneOps),
                                        ClosedLoop.median(manyOps),
                                        ManagementFactory.getOperatingSystemMXBean()
                                                .getSystemLoadAverage()));
                    }
                } finally {
                    for (HikariDataSource p : pools) {
                        p.close();
                    }
                }
            }
            return """
                    ### Router: scatter-gather latency, 4 shards vs one PostgreSQL holding all rows

                    %,d rows in `bench_orders(id bigint primary key, created_at timestamptz, grp int, amount numeric)`
                    with an index on `created_at`, sharded by `id` over 4 primaries; the baseline is a fifth
                    PostgreSQL holding every row, reached through HikariCP directly. Each operation:
                    `getConnection()`, `prepareStatement`, bind, `executeQuery`, read every row, close. Results
                    are compared row by row before timing. %d rounds of %.1f s per path (alternating which goes
                    first) after a %.1f s warm-up; p50 over all rounds; ops/s = median round. "In sequence": the same
                    shards with `maxShardsPerStatement(1)`, every shard call on the calling thread one after
                    another (no executor hand-off), measured in the same rounds.
                    Statements: `%s`, `%s`, `%s`, `%s` (20 random ids).

                    | threads | statement | one database p50 (us) | Strata p50 (us) | ratio | Strata, shards in sequence on the caller: p50 (us) (ratio) | one database ops/s | Strata ops/s | load avg (1 min) |
                    |---|---|---|---|---|---|---|---|---|
                    %s

                    Goals: %s
                    At 4 threads the 2 cores are shared by the client, 4 shard servers (5 for the baseline's
                    single server vs 4 busy at once for Strata) and the other sessions on the machine: a scatter
                    costs 4 server round trips of CPU where the baseline costs one, so the 4-thread ratio is
                    bounded by CPU rather than by the router.

                    #### Where the 1-thread time goes: the CPU floor of 4 local servers on %d cores

                    Measured in the same rounds: server CPU = utime + stime of each PostgreSQL's processes
                    (postmaster, backends, workers; `/proc` through `ProcessHandle`, clock-tick resolution) per
                    operation; client CPU = the benchmark thread's plus the router executor threads' CPU
                    (`ThreadMXBean`) per operation. A scatter pays PostgreSQL's fixed per-statement cost (protocol,
                    executor start-up, socket wake-ups) on 4 servers and decodes 4 result streams; on %d cores no
                    client can finish an operation sooner than (all the CPU it needs) / %d: the CPU floor.

                    | statement | one database: server + client CPU (us) | Strata: 4 shards' server CPU (us) | Strata client CPU (us): parallel / in sequence | CPU floor (us) | floor / one database p50 (floor without the executor hand-off) | Strata p50 / floor |
                    |---|---|---|---|---|---|---|
                    %s

                    The ratio to one database factors as (floor / one database p50) x (Strata p50 / floor). The
                    first factor is what 4 servers sharing the client's %d cores cost whatever the client does:
                    each shard runs the same plan over a quarter of the rows, so the per-statement cost, not the
                    rows, dominates, and 4 of them cost at least 4 times one; more in practice (compare the
                    per-shard figure with the one database's server CPU): 4 busy backends and the client's threads
                    share 2 cores' caches and add context switches. When the floor alone is above 1.5x, no client
                    of these 4 servers can meet the goal on this machine. The second factor is everything above the floor:
                    the executor hand-off (waking threads, the "parallel / in sequence" client CPU difference),
                    scheduling 8 runnable threads (caller, 3 executor threads, 4 backends) on %d cores shared with
                    the other work on the machine (see the load average), and Strata's own work.
                    A probe of Strata's path (nanoTime probes in a scratch harness, not in the code; 1 thread,
                    2026-12-01 02:40 UTC, load average 7 to 10 from other work on the machine) put Strata's own
                    steps of a top-20 scatter at about 10 us: plan 0.9, permits and 4 pooled connections 2.3,
                    4 physical statements 1.9, merge set-up 2.0, reading the 20 merged rows 7.4 (20-id IN list:
                    plan with the key split 4.2, binding 20 ids 5.0). The rest is the 4 shard calls: executor
                    threads start 40, 55 and 72 us after the hand-off, and each shard call takes 135 to 325 us
                    where the same call alone takes about 60. In the same rounds a hand-rolled client (3 parked
                    threads, the caller running one shard, no Strata) took 227-230 us p50 against Strata's
                    239-244 us; spinning up to 1,000 iterations before parking (269 us), waking the executor
                    threads one from another (246 us) and 2 threads per statement (246 us, longer tail) did not
                    beat it, so the hand-off was left as it is.
                    %s
                    Rerun: `mvn -B -q -pl benchmarks -am package -DskipTests exec:exec -Dbench=router-scatter`

                    %s
                    """.formatted(
                            ROWS,
                            ROUNDS,
                            ROUND_NANOS / 1e9,
                            WARMUP_NANOS / 1e9,
                            QUERIES.get(0).sql(),
                            QUERIES.get(1).sql(),
                            QUERIES.get(2).sql(),
                            QUERIES.get(3).sql(),
                            rows.toString().strip(),
                            goals.toString().strip(),
                            context.cores(),
                            context.cores(),
                            context.cores(),
                            floor.toString().strip(),
                            context.cores(),
                            context.cores(),
                            context.machineLine(),
                            BenchmarkContext.before(name()));
        }
    }

    /**
     * CPU time one path used over its rounds: the 4 shard servers', the baseline server's (the
     * PostgreSQL processes' utime + stime), and this JVM's (benchmark threads + router executor).
     */
    private static final class CpuUse {
        private long ops;
        private long shardServers;
        private long singleServer;
        private long client;

        void add(ClosedLoop.Result r, long[] serversBefore, long[] serversAfter, long executor) {
            long n = r.latency().getTotalCount();
            ops += n;
            for (int s = 0; s < SHARDS; s++) {
                shardServers += serversAfter[s] - serversBefore[s];
            }
            singleServer += serversAfter[SHARDS] - serversBefore[SHARDS];
            client += Math.round(r.cpuNanosPerOp() * n) + executor;
        }

        double shardServersMicros() {
            return shardServers / 1e3 / Math.max(1, ops);
        }

        double singleServerMicros() {
            return singleServer / 1e3 / Math.max(1, ops);
        }

        double clientMicros() {
            return client / 1e3 / Math.max(1, ops);
        }
    }

    /**
     * One row of the CPU floor table; {@code cpu} is {one database, Strata, Strata in sequence}.
     * The floor is all the CPU an operation needs spread over every core: no client finishes it
     * sooner on this machine. "No hand-off": the client CPU of the same calls made one after another
     * on the caller, i.e. without waking executor threads.
     */
    private static String floorRow(Query q, CpuUse[] cpu, double singleP50, double strataP50, int cores) {
        double shards = cpu[1].shardServersMicros();
        double client = cpu[1].clientMicros();
        double floor = floorMicros(cpu[1], cores);
        double noHandOff = floorMicros(cpu[2], cores);
        return "| %s | %.0f + %.0f | %.0f (%.0f per shard) | %.0f / %.0f | %.0f | **%.2fx** (%.2fx) | %.2fx |%n"
                .formatted(
                        q.label(),
                        cpu[0].singleServerMicros(),
                        cpu[0].clientMicros(),
                        shards,
                        shards / SHARDS,
                        client,
                        cpu[2].clientMicros(),
                        floor,
                        floor / singleP50,
                        noHandOff / singleP50,
                        strataP50 / floor);
    }

    /** All the CPU one operation of a Strata path needs (4 shard servers + client), over every core. */
    private static double floorMicros(CpuUse strata, int cores) {
        return (strata.shardServersMicros() + strata.clientMicros()) / cores;
    }

    /**
     * CPU time (ns) each server has used so far, by shard index (the baseline last): its postmaster
     * and every backend and worker below it, as the kernel accounts it (clock-tick resolution).
     */
    private static long[] serverCpuNanos(PgTopology topology) {
        long[] out = new long[SHARDS + 1];
        for (int s = 0; s <= SHARDS; s++) {
            ProcessHandle postmaster =
                    ProcessHandle.of(topology.shard(s).primary().pid()).orElseThrow();
            long total = cpuNanos(postmaster);
            for (ProcessHandle child : (Iterable<ProcessHandle>) postmaster.descendants()::iterator) {
                total += cpuNanos(child);
            }
            out[s] = total;
        }
        return out;
    }

    private static long cpuNanos(ProcessHandle p) {
        return p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    /** CPU time (ns) the router's executor threads have used so far. */
    private static long executorCpuNanos() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("strata-router-shard-")) {
                total += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
    }

    static void load(PgTopology topology, ShardMap map) throws SQLException {
        String ddl = "create table bench_orders (id bigint primary key, created_at timestamptz not null,"
                + " grp int not null, amount numeric(12,2) not null)";
        String fill = "insert into bench_orders select g, timestamptz '2026-01-01' + g * interval '7 seconds',"
                + " g % 50, (g % 997) * 1.25 from unnest(array[";
        List<StringBuilder> ids = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            ids.add(new StringBuilder());
        }
        for (long id = 1; id <= ROWS; id++) {
            StringBuilder sb = ids.get(map.shardIndexOf(id, KeyType.LONG));
            sb.append(sb.length() == 0 ? "" : ",").append(id);
        }
        for (int s = 0; s <= SHARDS; s++) {
            PgServer p = topology.shard(s).primary();
            p.execute(ddl);
            if (s < SHARDS) {
                p.execute(fill + ids.get(s) + "]::bigint[]) g");
            } else {
                p.execute("insert into bench_orders select g, timestamptz '2026-01-01' + g * interval '7 seconds',"
                        + " g % 50, (g % 997) * 1.25 from generate_series(1, " + ROWS + ") g");
            }
            p.execute("create index on bench_orders (created_at)");
            p.execute("vacuum analyze bench_orders");
        }
    }

    private static void check(Query q, DataSource single, DataSource strata) throws SQLException {
        long[] ids = ids(ThreadLocalRandom.current(), q.ids());
        List<String> a = rows(q, single, ids);
        List<String> b = rows(q, strata, ids);
        if (!a.equals(b) || a.isEmpty()) {
            throw new IllegalStateException("results differ for " + q.sql() + ": " + a + " vs " + b);
        }
    }

    private static long[] ids(ThreadLocalRandom random, int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1 + random.nextInt(ROWS);
        }
        return ids;
    }

    private static List<String> rows(Query q, DataSource ds, long[] ids) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(q.sql())) {
            for (int i = 0; i < ids.length; i++) {
                ps.setLong(i + 1, ids[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= n; i++) {
                        row.append(rs.getString(i)).append('|');
                    }
                    out.add(row.toString());
                }
            }
        }
        return out;
    }

    private static ClosedLoop.Result once(Query q, DataSource ds, int threads, long nanos) throws Exception {
        return ClosedLoop.run(threads, nanos, random -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(q.sql())) {
                for (int i = 1; i <= q.ids(); i++) {
                    ps.setLong(i, 1 + random.nextInt(ROWS));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= n; i++) {
                            rs.getObject(i);
                        }
                    }
                }
            }
        });
    }

    static HikariDataSource hikari(PgServer server, int size, String name) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(server.jdbcUrl());
        c.setUsername(server.user());
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(size);
        c.setPoolName(name);
        return new HikariDataSource(c);
    }
}
