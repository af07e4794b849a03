package io.strata.benchmarks.annotation;

import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * A {@code @Cached} hit through the proxy vs {@code TieredCache.getIfPresent} vs raw Caffeine
 * {@code getIfPresent} (JMH, 2 threads, interleaved forks); goal: the proxy hit at least 0.5x raw Caffeine.
 */
public final class ProxyHitBenchmark implements Benchmark {

    @Override
    public String name() {
        return "annotation-proxy-hit";
    }

    private static final String[] METHODS = {"rawCaffeine", "tieredGetIfPresent", "proxyHit"};
    private static final int ROUNDS = 3;

    /**
     * Runs the three paths in {@value #ROUNDS} interleaved rounds (each path in its own fork per
     * round), so load from other processes on a shared machine falls on all three alike, and reports
     * the median of all measurement iterations per path.
     */
    @Override
    public String run(BenchmarkContext context) throws Exception {
        Map<String, List<Double>> samples = new HashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            for (String m : METHODS) {
                Options options = new OptionsBuilder()
                        .include(ProxyHitJmh.class.getName() + "\\." + m + "$")
                        .forks(1)
                        .threads(2)
                        .warmupIterations(3)
                        .warmupTime(TimeValue.seconds(1))
                        .measurementIterations(5)
                        .measurementTime(TimeValue.seconds(1))
                        .jvmArgsAppend("-Xmx512m")
                        .build();
                for (RunResult r : new Runner(options).run()) {
                    for (BenchmarkResult br : r.getBenchmarkResults()) {
                        for (IterationResult ir : br.getIterationResults()) {
                            samples.computeIfAbsent(m, k -> new ArrayList<>())
                                    .add(ir.getPrimaryResult().getScore());
                        }
                    }
                }
            }
        }
        double raw = median(samples.get("rawCaffeine"));
        StringBuilder b = new StringBuilder();
        b.append("### Annotation proxy: cache hit through `@Cached` vs `TieredCache.getIfPresent` vs raw Caffeine\n\n");
        b.append(context.machineLine()).append("\n\n");
        b.append("JMH, 2 threads; ")
                .append(ROUNDS)
                .append(" interleaved rounds, each path in its own fork per round "
                        + "(3 x 1 s warm-up, 5 x 1 s measurement); 1,024 warm keys, boxed once. Median and range of the "
                        + ROUNDS * 5 + " measurement iterations per path. Goal: proxy hit >= 0.5x raw Caffeine.\n\n");
        b.append("| path | median ops/us (2 threads) | min .. max | vs raw Caffeine |\n|---|---:|---:|---:|\n");
        for (String m : METHODS) {
            List<Double> s = samples.get(m);
            b.append(String.format(
                    "| %s | %.1f | %.1f .. %.1f | %.2fx |%n",
                    label(m), median(s), Collections.min(s), Collections.max(s), median(s) / raw));
        }
        double ratio = median(samples.get("proxyHit")) / raw;
        b.append("\nProxy hit / raw Caffeine = ")
                .append(String.format("%.2fx", ratio))
                .append(ratio >= 0.5 ? " (goal met).\n" : " (goal NOT met).\n");
        b.append("\nConfiguration matters here: the cache's TTL and the L1 TTL are both 1 hour, so with the default "
                + "10% TTL jitter every entry's life ends before the L1 TTL and each hit reads the clock (see "
                + "`CaffeineTierStore`), the likely cause of most of the gap (not yet confirmed by a run with a shorter L1 TTL); an L1 TTL shorter than the cache TTL (as in the `cache-l1-hit` benchmark, "
                + "which measures ~0.93x) avoids that read. Both threads run the same path here, unlike that "
                + "benchmark's one-thread-per-path groups.\n");
        b.append("\nReproduce: `bash .ci/as-user mvn -B -o -q install -DskipTests -pl testkit,replication,router,cache "
                + "&& bash .ci/as-user mvn -B -o -q -pl benchmarks exec:exec -Dbench=annotation-proxy-hit`\n");
        return b.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String label(String method) {
        return switch (method) {
            case "rawCaffeine" -> "raw Caffeine `getIfPresent`";
            case "tieredGetIfPresent" -> "`TieredCache.getIfPresent` (L1 only)";
            default -> "`@Cached` proxy hit";
        };
    }
}
