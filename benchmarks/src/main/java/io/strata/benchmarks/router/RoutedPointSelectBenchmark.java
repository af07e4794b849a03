package io.strata.benchmarks.router;

import static io.strata.benchmarks.ClosedLoop.median;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import io.strata.benchmarks.ClosedLoop;
import io.strata.benchmarks.ClosedLoop.Result;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.ShardingDataSource;
import io.strata.router.TableRule;
import io.strata.router.TransactionPolicy;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import org.apache.shardingsphere.driver.api.ShardingSphereDataSourceFactory;
import org.apache.shardingsphere.infra.algorithm.core.config.AlgorithmConfiguration;
import org.apache.shardingsphere.infra.config.mode.ModeConfiguration;
import org.apache.shardingsphere.sharding.api.config.ShardingRuleConfiguration;
import org.apache.shardingsphere.sharding.api.config.rule.ShardingTableRuleConfiguration;
import org.apache.shardingsphere.sharding.api.config.strategy.sharding.StandardShardingStrategyConfiguration;

/**
 * A point select by shard key, end to end over loopback, three ways over the same HikariCP pools
 * (one per shard primary): straight to the owning shard's pool (the baseline: the caller already
 * knows the shard), through Strata's {@link ShardingDataSource}, and through ShardingSphere-JDBC
 * configured with the same placement (a CLASS_BASED algorithm computing Strata's hash). Rounds
 * rotate which path goes first so drift on the shared machine hits all three.
 */
public final class RoutedPointSelectBenchmark implements Benchmark {

    private static final int SHARDS = 2;
    private static final int ROWS = 10_000;
    private static final int ROUNDS = 9;
    private static final long ROUND_NANOS = 1_200_000_000L;
    private static final long WARMUP_NANOS = 3_000_000_000L;
    private static final String SQL = "select v from bench_users where id = ?";

    @Override
    public String name() {
        return "router-point-select";
    }

    /** One way to run the operation. */
    private interface Path {
        DataSource dataSourceFor(long key);
    }

    @Override
    @SuppressWarnings("NullAway") // latency/ops/ratio/cpu/round hold every path of order before they are read
    public String run(BenchmarkContext context) throws Exception {
        try (PgTopology topology =
                PgTopology.builder().shards(SHARDS).replicasPerShard(0).start()) {
            List<String> names = new ArrayList<>();
            for (int s = 0; s < SHARDS; s++) {
                names.add("ds_" + s);
            }
            ShardMap map = ShardMap.uniform(names);
            int[] owner = new int[ROWS + 1];
            for (int s = 0; s < SHARDS; s++) {
                topology.shard(s)
                        .primary()
                        .execute("create table bench_users (id bigint primary key, v text not null)");
            }
            for (long id = 1; id <= ROWS; id++) {
                owner[(int) id] = map.shardIndexOf(id, KeyType.LONG);
            }
            for (int s = 0; s < SHARDS; s++) {
                StringBuilder ids = new StringBuilder();
                for (int id = 1; id <= ROWS; id++) {
                    if (owner[id] == s) {
                        ids.append(ids.length() == 0 ? "" : ",").append(id);
                    }
                }
                PgServer p = topology.shard(s).primary();
                p.execute("insert into bench_users select g, md5(g::text) from unnest(array[" + ids + "]::bigint[]) g");
                p.execute("analyze bench_users");
            }
            StringBuilder rows = new StringBuilder();
            String peerNote = "";
            for (int threads : new int[] {1, 4}) {
                List<HikariDataSource> pools = new ArrayList<>();
                for (int s = 0; s < SHARDS; s++) {
                    pools.add(hikari(topology.shard(s).primary(), threads, "bench-shard" + s));
                }
                ShardingDataSource.Builder b = ShardingDataSource.builder()
                        .transactionPolicy(TransactionPolicy.REJECT)
                        .table(TableRule.sharded("bench_users", "id", KeyType.LONG));
                for (int s = 0; s < SHARDS; s++) {
                    b.shard(names.get(s), pools.get(s));
                }
                DataSource sphere = null;
                try (ShardingDataSource strata = b.build()) {
                    Map<String, Path> paths = new LinkedHashMap<>();
                    paths.put("HikariCP -> owning shard (baseline)", key -> pools.get(owner[(int) key]));
                    paths.put("Strata ShardingDataSource", key -> strata);
                    try {
                        sphere = shardingSphere(pools);
                        DataSource ss = sphere;
                        check(ss);
                        paths.put("ShardingSphere-JDBC 5.5.2", key -> ss);
                    } catch (Exception e) {
                        peerNote = "ShardingSphere-JDBC could not be measured: " + e;
                    }
                    check(strata);
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
                    double baseCpu = median(cpu.get(order.get(0)));
                    for (String p : order) {
                        List<Double> rs = new ArrayList<>(ratio.get(p));
                        Collections.sort(rs);
                        Histogram h = latency.get(p);
                        rows.append("| %d | %s | %,.0f | %.3f | %.3f-%.3f | %.0f | %.0f | %.3f | %.1f | %+.1f |%n"
                                .formatted(
                                        threads,
                                        p,
                                        median(ops.get(p)),
                                        median(ratio.get(p)),
                                        rs.get(ROUNDS / 4),
                                        rs.get(ROUNDS - 1 - ROUNDS / 4),
                                        h.getValueAtPercentile(50) * 1.0,
                                        h.getValueAtPercentile(99) * 1.0,
                                        h.getValueAtPercentile(50) / baseP50,
                                        median(cpu.get(p)),
                                        median(cpu.get(p)) - baseCpu));
                    }
                } finally {
                    if (sphere instanceof AutoCloseable c) {
                        c.close();
                    }
                    for (HikariDataSource p : pools) {
                        p.close();
                    }
                }
            }
            return """
                    ### Router: point select by shard key vs HikariCP straight to the owning shard, and ShardingSphere-JDBC

                    Each operation: `getConnection()`, `prepareStatement("%s")`, `setLong(1, random key)`,
                    `executeQuery`, read the row, close. %d shards (primaries only), %,d rows. All three paths
                    share the same HikariCP pools (`threads` connections per shard): the baseline picks the
                    owning shard's pool from a precomputed table; Strata plans the SQL (cached) and hashes
                    the key; ShardingSphere-JDBC 5.5.2 (Standalone mode, one sharded table, CLASS_BASED
                    algorithm computing Strata's CRC-32 slot, so identical placement). %d rounds of %.1f s,
                    rotating which path goes first, after a %d s warm-up each. Throughput ratio = median of
                    per-round ratios to the baseline, with its IQR; latency from HdrHistogram over all rounds;
                    client CPU = the benchmark threads' CPU time per operation (median of rounds).

                    | threads | path | ops/s (median round) | throughput ratio | ratio IQR | p50 (us) | p99 (us) | p50 ratio | client CPU per op (us) | added client CPU (us) |
                    |---|---|---|---|---|---|---|---|---|---|
                    %s
                    Goals: Strata within 2%% of the baseline (ratio >= 0.98); Strata faster than ShardingSphere-JDBC.
                    The machine has 2 cores shared with the PostgreSQL servers and other sessions, so read ratios with
                    their IQR; the added client CPU column is the steadier measure of what each router costs.
                    %s
                    %s
                    Rerun: `mvn -B -q -pl benchmarks exec:exec -Dbench=router-point-select`
                    """.formatted(
                            SQL,
                            SHARDS,
                            ROWS,
                            ROUNDS,
                            ROUND_NANOS / 1e9,
                            WARMUP_NANOS / 1_000_000_000L,
                            rows.toString().strip(),
                            peerNote,
                            context.machineLine());
        }
    }

    private static DataSource shardingSphere(List<HikariDataSource> pools) throws SQLException {
        Map<String, DataSource> sources = new LinkedHashMap<>();
        for (int s = 0; s < pools.size(); s++) {
            sources.put("ds_" + s, pools.get(s));
        }
        ShardingRuleConfiguration rules = new ShardingRuleConfiguration();
        ShardingTableRuleConfiguration table =
                new ShardingTableRuleConfiguration("bench_users", "ds_${0.." + (pools.size() - 1) + "}.bench_users");
        table.setDatabaseShardingStrategy(new StandardShardingStrategyConfiguration("id", "strata_hash"));
        rules.getTables().add(table);
        Properties props = new Properties();
        props.setProperty("strategy", "STANDARD");
        props.setProperty("algorithmClassName", StrataHashAlgorithm.class.getName());
        props.setProperty("shards", String.valueOf(pools.size()));
        rules.getShardingAlgorithms().put("strata_hash", new AlgorithmConfiguration("CLASS_BASED", props));
        return ShardingSphereDataSourceFactory.createDataSource(
                "bench", new ModeConfiguration("Standalone", null), sources, List.of(rules), new Properties());
    }

    private static void check(DataSource ds) throws SQLException {
        for (long key : new long[] {1, 2, 3, ROWS}) {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(SQL)) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("row " + key + " not found through " + ds);
                    }
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

    private static Result measure(Path path, int threads, long nanos) throws Exception {
        return ClosedLoop.run(threads, nanos, random -> {
            long key = 1 + random.nextInt(ROWS);
            try (Connection c = path.dataSourceFor(key).getConnection();
                    PreparedStatement ps = c.prepareStatement(SQL)) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("row missing: " + key);
                    }
                    rs.getString(1);
                }
            }
        });
    }
}
