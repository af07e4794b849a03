package io.strata.benchmarks.cache;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import io.strata.cache.JdbcStore;
import io.strata.cache.LocalTier;
import io.strata.cache.Store;
import io.strata.cache.TieredCache;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Cache-aside reads over real PostgreSQL under a Zipf workload: {@code TieredCache.get} (L1,
 * loading through {@link JdbcStore} on a miss) against {@code JdbcStore.load} straight to the
 * database, same pool, same key sequence distribution. Rounds alternate between the two.
 */
public final class CacheAsideZipfBenchmark implements Benchmark {

    private static final int ROWS = 100_000;
    private static final double EXPONENT = 0.99;
    private static final int THREADS = 4;
    private static final int PAIRS = 3;
    private static final long ROUND_NANOS = 3_000_000_000L;
    private static final long WARMUP_NANOS = 5_000_000_000L;

    @Override
    public String name() {
        return "cache-aside-zipf";
    }

    @Override
    public String run(BenchmarkContext context) throws Exception {
        StringBuilder rows = new StringBuilder();
        String comparison;
        try (PgTopology topology =
                PgTopology.builder().shards(1).replicasPerShard(0).start()) {
            PgServer pg = topology.shard(0).primary();
            pg.execute(
                    "CREATE TABLE bench_cache (id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL)");
            pg.execute("INSERT INTO bench_cache SELECT g, jsonb_build_object('name', md5(g::text), 'revision', g), 1 "
                    + "FROM generate_series(0, " + (ROWS - 1) + ") g");
            pg.execute("ANALYZE bench_cache");
            Zipf zipf = new Zipf(ROWS, EXPONENT);
            try (HikariDataSource db = pool(pg)) {
                JdbcStore<Long, Row> jdbc = JdbcStore.builder(db, "bench_cache", Long.class, Row.class)
                        .build();
                AtomicLong loads = new AtomicLong();
                Store<Long, Row> counting = new Store<>() {
                    @Override
                    public @Nullable Row load(Long key) {
                        loads.incrementAndGet();
                        return jdbc.load(key);
                    }

                    @Override
                    public void write(Long key, Row value, long version) {
                        jdbc.write(key, value, version);
                    }

                    @Override
                    public void delete(Long key) {
                        jdbc.delete(key);
                    }
                };
                measure(k -> jdbc.load(k), zipf, WARMUP_NANOS);
                for (int l1 : new int[] {10_000, ROWS}) {
                    try (TieredCache<Long, Row> cache = TieredCache.builder("bench-zipf-" + l1, Long.class, Row.class)
                            .tier(LocalTier.builder()
                                    .maximumSize(l1)
                                    .expireAfterWrite(Duration.ofMinutes(10))
                                    .build())
                            .store(counting)
                            .build()) {
                        if (l1 >= ROWS) {
                            // the table fits: warm it the way a service would at start-up, in bulk
                            List<Long> chunk = new ArrayList<>();
                            for (long k = 0; k < ROWS; k++) {
                                chunk.add(k);
                                if (chunk.size() == 1000) {
                                    cache.getAll(chunk);
                                    chunk.clear();
                                }
                            }
                        }
                        measure(cache::get, zipf, WARMUP_NANOS);
                        List<Double> ratios = new ArrayList<>();
                        double base = 0;
                        double cached = 0;
                        long gets = 0;
                        long missed = 0;
                        for (int p = 0; p < PAIRS; p++) {
                            double[] b = measure(k -> jdbc.load(k), zipf, ROUND_NANOS);
                            long loadsBefore = loads.get();
                            double[] c = measure(cache::get, zipf, ROUND_NANOS);
                            missed += loads.get() - loadsBefore;
                            gets += (long) c[1];
                            ratios.add(c[0] / b[0]);
                            base += b[0] / PAIRS;
                            cached += c[0] / PAIRS;
                        }
                        Collections.sort(ratios);
                        rows.append("| %,d (%d%% of rows) | %,.0f | %,.0f | %.4f | **%.1fx** (%.1f-%.1f) (%s) |%n"
                                .formatted(
                                        l1,
                                        100L * l1 / ROWS,
                                        base,
                                        cached,
                                        1 - (double) missed / gets,
                                        ratios.get(PAIRS / 2),
                                        ratios.get(0),
                                        ratios.get(PAIRS - 1),
                                        ratios.get(PAIRS / 2) >= 20 ? "goal met" : "goal NOT met"));
                    }
                }
                comparison = CacheAsideVersusCaffeine.run(counting, loads, zipf);
            }
        }
        return """
        ### Cache: cache-aside over PostgreSQL under a Zipf workload vs uncached reads

        %,d rows `(id bigint primary key, value jsonb, version bigint)` in a real PostgreSQL; keys drawn
        from a Zipf distribution (exponent %.2f, rank 0 hottest); %d threads; one HikariCP pool of %d.
        Uncached: `JdbcStore.load(id)` (one `SELECT` per read). Cached: `TieredCache.get(id)` with an
        L1 of the given size, 10 minute TTL, loading through the same `JdbcStore` on a miss. A %d s
        warm-up per configuration (the full-table L1 is first filled with `getAll` in chunks of 1,000,
        as a service would warm it at start-up; the 10%% L1 only by the workload), then %d pairs of %.0f s rounds (uncached, cached); hit ratio is
        1 - store loads / gets over the measured cached rounds; the ratio is the median pair (min-max).

        | L1 size | uncached reads/s | cached reads/s | hit ratio | throughput ratio |
        |---|---|---|---|---|
        %s

        Goal: at least 20x. The ratio is bounded by the miss rate (each miss costs one query), so it
        depends on how much of the working set fits in L1: with 10%% of the rows cached, the Zipf
        tail still misses; with the table resident, reads almost never reach PostgreSQL.

        %s
        %s
        Rerun: `mvn -B -q -pl benchmarks exec:exec -Dbench=cache-aside-zipf`
        """.formatted(
                        ROWS,
                        EXPONENT,
                        THREADS,
                        THREADS,
                        WARMUP_NANOS / 1_000_000_000L,
                        PAIRS,
                        ROUND_NANOS / 1e9,
                        rows.toString().strip(),
                        comparison,
                        context.machineLine());
    }

    /** A row value. */
    public record Row(String name, long revision) {}

    private static HikariDataSource pool(PgServer pg) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(pg.jdbcUrl());
        c.setUsername(pg.user());
        c.setMaximumPoolSize(THREADS);
        c.setMinimumIdle(THREADS);
        c.setPoolName("bench-zipf");
        return new HikariDataSource(c);
    }

    /** Runs {@code read} from {@link #THREADS} threads for {@code nanos}; returns {ops/s, ops}. */
    private static double[] measure(LongFunction<Row> read, Zipf zipf, long nanos) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ops = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(new Thread(() -> {
                long n = 0;
                while (running.get()) {
                    if (read.apply(zipf.next()) == null) {
                        throw new IllegalStateException("a row is missing");
                    }
                    n++;
                }
                ops.addAndGet(n);
            }));
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(nanos / 1_000_000);
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new double[] {ops.get() / seconds, ops.get()};
    }
}
