package io.strata.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.benchmarks.cache.CacheAsideZipfBenchmark.Row;
import io.strata.cache.LocalTier;
import io.strata.cache.Store;
import io.strata.cache.TieredCache;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The cost of the cache-aside path itself, without a database to hide it: one thread, an in-memory
 * store (a fixed array of rows), the same two caches as {@link CacheAsideVersusCaffeine}. A hit
 * reads 1,000 keys that are all cached; a miss reads keys never read before into a full cache (each
 * miss loads, installs and evicts one entry). Bytes and CPU time per read come from the reading
 * thread's own counters; each figure is the median (bytes) or the least (CPU, the run least
 * disturbed by the rest of the machine) of {@value #RUNS} runs.
 */
final class CacheAsidePathCost {

    private static final int RUNS = 7;
    private static final int HOT = 1_000;
    private static final int HIT_READS = 2_000_000;
    private static final int MISS_READS = 400_000;
    private static final Row[] ROWS = new Row[1 << 16];

    static {
        for (int i = 0; i < ROWS.length; i++) {
            ROWS[i] = new Row("row-" + i, i);
        }
    }

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private CacheAsidePathCost() {}

    static String run() {
        Store<Long, Row> memory = new Store<>() {
            @Override
            public @Nullable Row load(Long key) {
                return ROWS[(int) (key & (ROWS.length - 1))];
            }

            @Override
            public void write(Long key, Row value, long version) {}

            @Override
            public void delete(Long key) {}
        };
        Cache<Long, Row> caffeine = Caffeine.newBuilder()
                .maximumSize(CacheAsideVersusCaffeine.SIZE)
                .expireAfterWrite(Duration.ofMinutes(10))
                .build();
        LongFunction<Row> hand = CacheAsideVersusCaffeine.handWritten(caffeine, memory);
        try (TieredCache<Long, Row> cache = TieredCache.builder("bench-path-cost", Long.class, Row.class)
                .tier(LocalTier.builder()
                        .maximumSize(CacheAsideVersusCaffeine.SIZE)
                        .expireAfterWrite(Duration.ofMinutes(10))
                        .build())
                .store(memory)
                .build()) {
            LongFunction<Row> tiered = cache::get;
            long[] next = {1_000_000L, 1_000_000L}; // miss keys, one counter per side: never read before
            for (int w = 0; w < 3; w++) { // warm-up: JIT, and both caches filled
                hits(hand);
                hits(tiered);
                misses(hand, next, 0);
                misses(tiered, next, 1);
            }
            double[][] handHit = new double[2][RUNS];
            double[][] tieredHit = new double[2][RUNS];
            double[][] handMiss = new double[2][RUNS];
            double[][] tieredMiss = new double[2][RUNS];
            for (int r = 0; r < RUNS; r++) {
                store(handHit, r, hits(hand));
                store(tieredHit, r, hits(tiered));
                store(handMiss, r, misses(hand, next, 0));
                store(tieredMiss, r, misses(tiered, next, 1));
            }
            return """
            ##### The cache-aside path alone (in-memory store, one thread)

            | path | hand-written bytes/read | TieredCache bytes/read | hand-written CPU ns/read | TieredCache CPU ns/read | CPU ratio |
            |---|---|---|---|---|---|
            | hit | %.1f | %.1f | %.0f | %.0f | %.2fx |
            | miss (load, install, evict) | %.1f | %.1f | %.0f | %.0f | %.2fx |

            Both sides box the `long` key (16 bytes a read above 127) and the hand-written side's Caffeine
            allocates its own node on a miss; the difference is what TieredCache adds.
            """.formatted(
                            median(handHit[0]),
                            median(tieredHit[0]),
                            least(handHit[1]),
                            least(tieredHit[1]),
                            least(tieredHit[1]) / least(handHit[1]),
                            median(handMiss[0]),
                            median(tieredMiss[0]),
                            least(handMiss[1]),
                            least(tieredMiss[1]),
                            least(tieredMiss[1]) / least(handMiss[1]));
        }
    }

    private static void store(double[][] into, int run, double[] bytesAndNanos) {
        into[0][run] = bytesAndNanos[0];
        into[1][run] = bytesAndNanos[1];
    }

    /** Reads the {@value #HOT} hottest keys over and over; {bytes, CPU ns} per read. */
    private static double[] hits(LongFunction<Row> read) {
        long bytes0 = MX.getCurrentThreadAllocatedBytes();
        long cpu0 = MX.getCurrentThreadCpuTime();
        for (int i = 0; i < HIT_READS; i++) {
            if (read.apply(i % HOT) == null) {
                throw new IllegalStateException("a row is missing");
            }
        }
        return perRead(bytes0, cpu0, HIT_READS);
    }

    /** Reads keys never read before; {bytes, CPU ns} per read. */
    private static double[] misses(LongFunction<Row> read, long[] next, int side) {
        long bytes0 = MX.getCurrentThreadAllocatedBytes();
        long cpu0 = MX.getCurrentThreadCpuTime();
        for (int i = 0; i < MISS_READS; i++) {
            if (read.apply(next[side]++) == null) {
                throw new IllegalStateException("a row is missing");
            }
        }
        return perRead(bytes0, cpu0, MISS_READS);
    }

    private static double[] perRead(long bytes0, long cpu0, int reads) {
        long bytes = MX.getCurrentThreadAllocatedBytes() - bytes0;
        long cpu = MX.getCurrentThreadCpuTime() - cpu0;
        return new double[] {(double) bytes / reads, (double) cpu / reads};
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double least(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }
}
