package io.strata.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.benchmarks.cache.CacheAsideZipfBenchmark.Row;
import io.strata.cache.LocalTier;
import io.strata.cache.Store;
import io.strata.cache.TieredCache;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;

/**
 * {@code TieredCache.get} (an L1 of {@value #SIZE}, default settings otherwise) against the
 * cache-aside a user would write by hand on Caffeine ({@code getIfPresent}, on a miss
 * {@code Store.load} and {@code put}), same size, same 10 minute TTL, over the same store; both
 * replay the same precomputed Zipf key sequence (each thread from its own offset), warmed the same
 * way, in alternated rounds.
 *
 * <p>Wall-clock throughput on a shared 2-core machine (PostgreSQL on the same cores) swings by
 * 10-20% from round to round, more than the two sides differ. So each round also records what the
 * noise hardly moves: bytes allocated and CPU time per read on the reading threads
 * ({@code com.sun.management.ThreadMXBean}), and CPU time per read of the whole JVM (GC, Caffeine's
 * maintenance). Pairs alternate their order (hand-written first, then TieredCache first) so a drift
 * during the run does not favour one side; the throughput figure is the median pair ratio, shown with
 * its quartiles and extremes.
 *
 * <p>A second, single-threaded table isolates the cache-aside path itself over an in-memory store
 * (no JDBC), where nothing masks what {@code TieredCache} adds per hit and per miss.
 */
final class CacheAsideVersusCaffeine {

    static final int SIZE = 10_000;
    private static final int THREADS = 4;
    private static final int PAIRS = 10;
    private static final long ROUND_NANOS = 3_000_000_000L;
    private static final long WARMUP_NANOS = 5_000_000_000L;
    private static final int SEQUENCE = 1 << 21;

    private static final com.sun.management.ThreadMXBean THREAD_MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS_MX =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** What one round of one side measured. */
    record Round(long ops, double seconds, long loads, long allocatedBytes, long threadCpuNanos, long processCpuNanos) {
        double perSecond() {
            return ops / seconds;
        }

        double bytesPerOp() {
            return (double) allocatedBytes / ops;
        }

        double threadCpuMicrosPerOp() {
            return threadCpuNanos / 1e3 / ops;
        }

        double processCpuMicrosPerOp() {
            return processCpuNanos / 1e3 / ops;
        }
    }

    private CacheAsideVersusCaffeine() {}

    static String run(Store<Long, Row> store, AtomicLong loads, Zipf zipf) throws InterruptedException {
        if (!THREAD_MX.isThreadAllocatedMemorySupported() || !THREAD_MX.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure per-thread allocation and CPU time");
        }
        THREAD_MX.setThreadAllocatedMemoryEnabled(true);
        THREAD_MX.setThreadCpuTimeEnabled(true);
        long[] sequence = new long[SEQUENCE];
        for (int i = 0; i < SEQUENCE; i++) {
            sequence[i] = zipf.next();
        }
        Cache<Long, Row> caffeine = Caffeine.newBuilder()
                .maximumSize(SIZE)
                .expireAfterWrite(Duration.ofMinutes(10))
                .build();
        LongFunction<Row> handWritten = handWritten(caffeine, store);
        String loadBefore = loadAverage();
        List<Round> hand = new ArrayList<>();
        List<Round> tiered = new ArrayList<>();
        try (TieredCache<Long, Row> cache = TieredCache.builder("bench-vs-caffeine", Long.class, Row.class)
                .tier(LocalTier.builder()
                        .maximumSize(SIZE)
                        .expireAfterWrite(Duration.ofMinutes(10))
                        .build())
                .store(store)
                .build()) {
            LongFunction<Row> viaTiered = cache::get;
            replay(handWritten, sequence, WARMUP_NANOS, loads);
            replay(viaTiered, sequence, WARMUP_NANOS, loads);
            for (int p = 0; p < PAIRS; p++) {
                if (p % 2 == 0) {
                    hand.add(replay(handWritten, sequence, ROUND_NANOS, loads));
                    tiered.add(replay(viaTiered, sequence, ROUND_NANOS, loads));
                } else {
                    tiered.add(replay(viaTiered, sequence, ROUND_NANOS, loads));
                    hand.add(replay(handWritten, sequence, ROUND_NANOS, loads));
                }
            }
        }
        String loadAfter = loadAverage();
        double hitHand = hitRatio(hand);
        double hitTiered = hitRatio(tiered);
        double[] inOrder = ratios(tiered, hand, Round::perSecond);
        double[] throughput = sorted(inOrder);
        double[] bytes = sorted(ratios(tiered, hand, Round::bytesPerOp));
        double[] cpu = sorted(ratios(tiered, hand, Round::threadCpuMicrosPerOp));
        double[] processCpu = sorted(ratios(tiered, hand, Round::processCpuMicrosPerOp));
        boolean hitGoal = Math.abs(hitTiered - hitHand) <= 0.01;
        boolean speedGoal = median(throughput) >= 0.95;
        String perPair = Arrays.stream(inOrder)
                .mapToObj(r -> String.format(Locale.ROOT, "%.2f", r))
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
        return """
        #### TieredCache vs a hand-written Caffeine cache-aside

        Same store (`JdbcStore` over the table above), same size (%,d entries), same 10 minute TTL; the
        hand-written side is `getIfPresent`, then on a miss `Store.load` and `put`; TieredCache is
        `get(id)` with only a `LocalTier`. Both replay one precomputed Zipf sequence of %,d keys (%d
        threads, each from its own offset, the same for both), warmed alike, then %d pairs of %.0f s
        rounds, the order alternating (hand-written first in even pairs, TieredCache first in odd ones).
        Hit ratio = 1 - store loads / gets. Bytes and CPU are per read, summed over the reading threads
        (`ThreadMXBean`: allocation and CPU time, which other processes on the machine hardly disturb);
        "JVM CPU" is the whole process's CPU time per read (GC and Caffeine's maintenance included; the
        PostgreSQL server's is not). Goals: hit ratio within 1 point, throughput >= 0.95x (median pair).

        | cache-aside | reads/s (mean) | hit ratio | bytes/read | reader CPU us/read | JVM CPU us/read |
        |---|---|---|---|---|---|
        | hand-written Caffeine (baseline) | %,.0f | %.4f | %,.0f | %.2f | %.2f |
        | `TieredCache.get` | %,.0f | %.4f | %,.0f | %.2f | %.2f |

        | TieredCache / hand-written, per pair | median | quartiles | min-max |
        |---|---|---|---|
        | throughput | **%.2fx** | %.2f-%.2f | %.2f-%.2f |
        | bytes/read | %.3fx | %.3f-%.3f | %.3f-%.3f |
        | reader CPU/read | %.3fx | %.3f-%.3f | %.3f-%.3f |
        | JVM CPU/read | %.3fx | %.3f-%.3f | %.3f-%.3f |

        Throughput per pair, in order: %s. Load average (1, 5, 15 min) before: %s; after: %s.

        Hit ratio difference %+.2f points (%s); throughput **%.2fx** median pair (%s).

        %s
        """.formatted(
                        SIZE,
                        SEQUENCE,
                        THREADS,
                        PAIRS,
                        ROUND_NANOS / 1e9,
                        mean(hand, Round::perSecond),
                        hitHand,
                        total(hand, Round::allocatedBytes) / total(hand, Round::ops),
                        total(hand, Round::threadCpuNanos) / 1e3 / total(hand, Round::ops),
                        total(hand, Round::processCpuNanos) / 1e3 / total(hand, Round::ops),
                        mean(tiered, Round::perSecond),
                        hitTiered,
                        total(tiered, Round::allocatedBytes) / total(tiered, Round::ops),
                        total(tiered, Round::threadCpuNanos) / 1e3 / total(tiered, Round::ops),
                        total(tiered, Round::processCpuNanos) / 1e3 / total(tiered, Round::ops),
                        median(throughput),
                        quantile(throughput, 0.25),
                        quantile(throughput, 0.75),
                        throughput[0],
                        throughput[PAIRS - 1],
                        median(bytes),
                        quantile(bytes, 0.25),
                        quantile(bytes, 0.75),
                        bytes[0],
                        bytes[PAIRS - 1],
                        median(cpu),
                        quantile(cpu, 0.25),
                        quantile(cpu, 0.75),
                        cpu[0],
                        cpu[PAIRS - 1],
                        median(processCpu),
                        quantile(processCpu, 0.25),
                        quantile(processCpu, 0.75),
                        processCpu[0],
                        processCpu[PAIRS - 1],
                        perPair,
                        loadBefore,
                        loadAfter,
                        100 * (hitTiered - hitHand),
                        hitGoal ? "goal met" : "goal NOT met",
                        median(throughput),
                        speedGoal ? "goal met" : "goal NOT met: the median pair is below 0.95x",
                        CacheAsidePathCost.run());
    }

    static LongFunction<Row> handWritten(Cache<Long, Row> caffeine, Store<Long, Row> store) {
        return k -> {
            Row r = caffeine.getIfPresent(k);
            if (r == null) {
                r = store.load(k);
                if (r != null) {
                    caffeine.put(k, r);
                }
            }
            return r;
        };
    }

    /**
     * {@link #THREADS} threads read {@code sequence}, each from its own offset, for {@code nanos};
     * what they did, and allocated and spent, is measured on each thread itself.
     */
    private static Round replay(LongFunction<Row> read, long[] sequence, long nanos, AtomicLong loads)
            throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ops = new AtomicLong();
        AtomicLong allocated = new AtomicLong();
        AtomicLong cpu = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int offset = t * (SEQUENCE / THREADS);
            threads.add(new Thread(() -> {
                long bytes0 = THREAD_MX.getCurrentThreadAllocatedBytes();
                long cpu0 = THREAD_MX.getCurrentThreadCpuTime();
                long n = 0;
                while (running.get()) {
                    if (read.apply(sequence[(int) ((offset + n) & (SEQUENCE - 1))]) == null) {
                        throw new IllegalStateException("a row is missing");
                    }
                    n++;
                }
                cpu.addAndGet(THREAD_MX.getCurrentThreadCpuTime() - cpu0);
                allocated.addAndGet(THREAD_MX.getCurrentThreadAllocatedBytes() - bytes0);
                ops.addAndGet(n);
            }));
        }
        long loads0 = loads.get();
        long process0 = OS_MX.getProcessCpuTime();
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(nanos / 1_000_000);
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long processCpu = OS_MX.getProcessCpuTime() - process0;
        return new Round(ops.get(), seconds, loads.get() - loads0, allocated.get(), cpu.get(), processCpu);
    }

    private static double hitRatio(List<Round> rounds) {
        return 1 - total(rounds, Round::loads) / total(rounds, Round::ops);
    }

    /** {@code a/b} of each pair's metric, in pair order. */
    private static double[] ratios(List<Round> a, List<Round> b, ToDoubleFunction<Round> metric) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = metric.applyAsDouble(a.get(i)) / metric.applyAsDouble(b.get(i));
        }
        return r;
    }

    private static double[] sorted(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s;
    }

    private static double median(double[] sorted) {
        return quantile(sorted, 0.5);
    }

    /** Linear interpolation between closest ranks. */
    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static double mean(List<Round> rounds, ToDoubleFunction<Round> metric) {
        return rounds.stream().mapToDouble(metric).average().orElse(Double.NaN);
    }

    private static double total(List<Round> rounds, ToDoubleFunction<Round> metric) {
        return rounds.stream().mapToDouble(metric).sum();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
