package io.strata.benchmarks.router;

import static io.strata.benchmarks.ClosedLoop.median;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import io.strata.benchmarks.ClosedLoop;
import io.strata.benchmarks.ClosedLoop.Result;
import io.strata.router.KeyType;
import io.strata.router.ShardingDataSource;
import io.strata.router.TableRule;
import io.strata.router.TimeRange;
import io.strata.router.TransactionPolicy;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;

/**
 * A one-day window on a year of audit rows sharded by month over 4 shards: through Strata's
 * time-range rule (the window reaches the one shard holding its month) vs the same query scattered
 * to every shard and merged (the same rows declared as a hash-sharded table, so the window names no
 * key). Same pools, same SQL, same random days; rounds rotate which path goes first.
 */
public final class TimeWindowBenchmark implements Benchmark {

    private static final int SHARDS = 4;
    private static final int ROW_EVERY_SECONDS = 120; // 262,800 rows in 2026
    private static final int ROUNDS = 7;
    private static final long ROUND_NANOS = 1_500_000_000L;
    private static final long WARMUP_NANOS = 3_000_000_000L;
    private static final String SQL = "select count(*), sum(amount), max(ts) from bench_audit where ts >= ? and ts < ?";

    @Override
    public String name() {
        return "router-time-window";
    }

    @Override
    @SuppressWarnings("NullAway") // every map holds every path before it is read
    public String run(BenchmarkContext context) throws Exception {
        try (PgTopology topology =
                PgTopology.builder().shards(SHARDS).replicasPerShard(0).start()) {
            long rows = 0;
            for (int s = 0; s < SHARDS; s++) {
                PgServer p = topology.shard(s).primary();
                p.execute("create table bench_audit (id bigint not null, ts timestamptz not null,"
                        + " amount numeric(10,2) not null)");
                // Months m with (m - 1) mod 4 = s: January 2026 on shard 0, round-robin (the rule's epoch).
                p.execute(
                        "insert into bench_audit select extract(epoch from t)::bigint, t, (extract(epoch from t)::bigint"
                                + " % 10000) / 100.0 from generate_series(timestamptz '2026-01-01 00:00+00',"
                                + " timestamptz '2026-12-31 23:59:59+00', interval '" + ROW_EVERY_SECONDS
                                + " seconds') t"
                                + " where (extract(month from t at time zone 'UTC')::int - 1) % 4 = " + s);
                p.execute("create index on bench_audit (ts)");
                p.execute("analyze bench_audit");
                rows += p.queryLong("select count(*) from bench_audit");
            }
            List<HikariDataSource> pools = new ArrayList<>();
            int threads = 2;
            for (int s = 0; s < SHARDS; s++) {
                pools.add(hikari(topology.shard(s).primary(), threads, "bench-time" + s));
            }
            ShardingDataSource.Builder timed = ShardingDataSource.builder()
                    .transactionPolicy(TransactionPolicy.REJECT)
                    .retentionEvery(java.time.Duration.ZERO)
                    .table(TableRule.timeRange(
                                    "bench_audit", "ts", TimeRange.ColumnType.TIMESTAMPTZ, TimeRange.Interval.MONTH)
                            .withEpoch(LocalDate.of(2026, 1, 1)));
            ShardingDataSource.Builder scattered = ShardingDataSource.builder()
                    .transactionPolicy(TransactionPolicy.REJECT)
                    .table(TableRule.sharded("bench_audit", "id", KeyType.LONG));
            for (int s = 0; s < SHARDS; s++) {
                timed.shard("shard" + s, pools.get(s));
                scattered.shard("shard" + s, pools.get(s));
            }
            StringBuilder table = new StringBuilder();
            String plan;
            try (ShardingDataSource byTime = timed.build();
                    ShardingDataSource byScatter = scattered.build()) {
                plan = byTime.planner()
                        .plan("select count(*) from bench_audit where ts >= '2026-06-10 00:00+00'"
                                + " and ts < '2026-06-11 00:00+00'")
                        .describe();
                Map<String, DataSource> paths = new LinkedHashMap<>();
                paths.put("scattered to every shard (baseline)", byScatter);
                paths.put("time-range rule: the window's shard", byTime);
                for (DataSource ds : paths.values()) {
                    check(ds, rows);
                }
                Map<String, Histogram> latency = new LinkedHashMap<>();
                Map<String, List<Double>> ops = new LinkedHashMap<>();
                Map<String, List<Double>> ratio = new LinkedHashMap<>();
                Map<String, List<Double>> cpu = new LinkedHashMap<>();
                for (String p : paths.keySet()) {
                    measure(paths.get(p), threads, WARMUP_NANOS);
                    latency.put(p, new Histogram(3));
                    ops.put(p, new ArrayList<>());
                    ratio.put(p, new ArrayList<>());
                    cpu.put(p, new ArrayList<>());
                }
                List<String> order = new ArrayList<>(paths.keySet());
                for (int r = 0; r < ROUNDS; r++) {
                    Map<String, Result> round = new LinkedHashMap<>();
                    for (int i = 0; i < order.size(); i++) {
                        String p = order.get((i + r) % order.size());
                        round.put(p, measure(paths.get(p), threads, ROUND_NANOS));
                    }
                    double base = round.get(order.get(0)).opsPerSecond();
                    for (String p : order) {
                        Result res = round.get(p);
                        latency.get(p).add(res.latency());
                        ops.get(p).add(res.opsPerSecond());
                        ratio.get(p).add(res.opsPerSecond() / base);
                        cpu.get(p).add(res.cpuNanosPerOp() / 1000);
                    }
                }
                double baseP50 = latency.get(order.get(0)).getValueAtPercentile(50);
                for (String p : order) {
                    List<Double> rs = new ArrayList<>(ratio.get(p));
                    Collections.sort(rs);
                    Histogram h = latency.get(p);
                    table.append("| %s | %,.0f | %.2f | %.2f-%.2f | %.0f | %.0f | %.2f | %.1f |%n"
                            .formatted(
                                    p,
                                    median(ops.get(p)),
                                    median(ratio.get(p)),
                                    rs.get(ROUNDS / 4),
                                    rs.get(ROUNDS - 1 - ROUNDS / 4),
                                    h.getValueAtPercentile(50) * 1.0,
                                    h.getValueAtPercentile(99) * 1.0,
                                    h.getValueAtPercentile(50) / baseP50,
                                    median(cpu.get(p))));
                }
            } finally {
                for (HikariDataSource p : pools) {
                    p.close();
                }
            }
            return """
                    ### Router: one-day window on a year of rows sharded by month vs the same query scattered

                    `%s` with a random day of 2026 (`setTimestamp`), %d threads. %d shards (primaries only),
                    %,d rows (one every %d s through 2026), sharded by month (January on shard 0, then
                    round-robin: 3 months per shard), index on `ts`. Baseline: the same rows declared as a
                    hash-sharded table, so the window names no key and Strata scatters it to all 4 shards and
                    merges the aggregates; under test: the time-range rule, which sends it to the one shard of
                    the window's month (planner: `%s`). Same HikariCP pools; %d rounds of %.1f s rotating which
                    path goes first, after a %d s warm-up each; throughput ratio = median of per-round ratios to
                    the baseline with its IQR; latency from HdrHistogram over all rounds; client CPU = the
                    benchmark threads' CPU per query.

                    | path | queries/s (median round) | throughput ratio | ratio IQR | p50 (us) | p99 (us) | p50 ratio | client CPU per query (us) |
                    |---|---|---|---|---|---|---|---|
                    %s
                    %s
                    Rerun: `mvn -B -q -pl benchmarks exec:exec -Dbench=router-time-window`
                    """.formatted(
                            SQL,
                            threads,
                            SHARDS,
                            rows,
                            ROW_EVERY_SECONDS,
                            plan,
                            ROUNDS,
                            ROUND_NANOS / 1e9,
                            WARMUP_NANOS / 1_000_000_000L,
                            table.toString().strip(),
                            context.machineLine());
        }
    }

    private static final Instant YEAR_START = Instant.parse("2026-01-01T00:00:00Z");

    private static void check(DataSource ds, long rows) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(SQL)) {
            ps.setTimestamp(1, Timestamp.from(YEAR_START));
            ps.setTimestamp(2, Timestamp.from(YEAR_START.plusSeconds(365L * 86400)));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getLong(1) != rows) {
                    throw new IllegalStateException("the year's count through " + ds + " is not " + rows);
                }
            }
            Instant day = LocalDate.of(2026, 6, 10).atStartOfDay().toInstant(ZoneOffset.UTC);
            ps.setTimestamp(1, Timestamp.from(day));
            ps.setTimestamp(2, Timestamp.from(day.plusSeconds(86400)));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getLong(1) != 86400 / ROW_EVERY_SECONDS) {
                    throw new IllegalStateException(
                            "a day's count through " + ds + " is not " + 86400 / ROW_EVERY_SECONDS);
                }
            }
        }
    }

    private static HikariDataSource hikari(PgServer server, int threads, String name) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(server.jdbcUrl());
        c.setUsername(server.user());
        c.setMaximumPoolSize(threads);
        c.setMinimumIdle(threads);
        c.setPoolName(name);
        return new HikariDataSource(c);
    }

    private static Result measure(DataSource ds, int threads, long nanos) throws Exception {
        return ClosedLoop.run(threads, nanos, random -> {
            Instant day = YEAR_START.plusSeconds(86400L * random.nextInt(365));
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(SQL)) {
                ps.setTimestamp(1, Timestamp.from(day));
                ps.setTimestamp(2, Timestamp.from(day.plusSeconds(86400)));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getLong(1) != 86400 / ROW_EVERY_SECONDS) {
                        throw new IllegalStateException("wrong count for " + day);
                    }
                }
            }
        });
    }
}
