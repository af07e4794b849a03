package io.strata.benchmarks.cache;

import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * L1 hit through TieredCache vs raw Caffeine getIfPresent, JMH, 2 threads: one thread on the
 * baseline and one on the subject at the same time (a JMH group), several short forks per group.
 */
public final class L1HitBenchmark implements Benchmark {

    private static final String[][] GROUPS = {
        {"getIfPresent", "getIfPresentBaseline", "getIfPresentTiered", "`TieredCache.getIfPresent(k)`"},
        {"getWithLoader", "getWithLoaderBaseline", "getWithLoaderTiered", "`TieredCache.get(k, loader)` (hit)"},
        {"stats", "statsBaseline", "statsCaffeine", "raw Caffeine + `recordStats()` (what metering an L1 costs)"},
        {
            "metered",
            "meteredBaseline",
            "meteredTiered",
            "`TieredCache.getIfPresent(k)` with a `meterRegistry`, vs raw Caffeine + `recordStats()` as baseline"
        }
    };
    private static final int FORKS = 4;

    @Override
    public String name() {
        return "cache-l1-hit";
    }

    @Override
    public String run(BenchmarkContext context) throws Exception {
        StringBuilder rows = new StringBuilder();
        for (String[] g : GROUPS) {
            List<Double> ratios = new ArrayList<>();
            List<Double> base = new ArrayList<>();
            List<Double> subject = new ArrayList<>();
            for (int fork = 0; fork < FORKS; fork++) {
                Options options = new OptionsBuilder()
                        .include(L1HitJmh.class.getName() + "\\." + g[0] + "$")
                        .forks(1)
                        .warmupIterations(3)
                        .warmupTime(TimeValue.seconds(1))
                        .measurementIterations(4)
                        .measurementTime(TimeValue.seconds(1))
                        .mode(Mode.Throughput)
                        .timeUnit(TimeUnit.MICROSECONDS)
                        .jvmArgsAppend("-Xmx512m")
                        .verbosity(VerboseMode.SILENT)
                        .build();
                RunResult r = new Runner(options).runSingle();
                double b = Objects.requireNonNull(r.getSecondaryResults().get(g[1]), "group method result")
                        .getScore();
                double s = Objects.requireNonNull(r.getSecondaryResults().get(g[2]), "group method result")
                        .getScore();
                base.add(b);
                subject.add(s);
                ratios.add(s / b);
            }
            Collections.sort(ratios);
            Collections.sort(base);
            Collections.sort(subject);
            double medianRatio = (ratios.get(FORKS / 2 - 1) + ratios.get(FORKS / 2)) / 2;
            rows.append("| %s | %,.1f | %,.1f | **%.2fx** | %.2f-%.2f |%n"
                    .formatted(
                            g[3],
                            (base.get(FORKS / 2 - 1) + base.get(FORKS / 2)) / 2,
                            (subject.get(FORKS / 2 - 1) + subject.get(FORKS / 2)) / 2,
                            medianRatio,
                            ratios.get(0),
                            ratios.get(FORKS - 1)));
        }
        return """
        ### Cache: L1 hit through TieredCache vs raw Caffeine `getIfPresent` (JMH, 2 threads)

        Every cache holds the same 8,192 resident `Long -> String` entries, bounded by
        `maximumSize(100_000)` and a 1 minute `expireAfterWrite`. The baseline is raw Caffeine
        `getIfPresent` (no stats). TieredCache has only its `LocalTier` (1 minute) and default settings
        (10 minute cache TTL, jitter on). JMH throughput mode with 2 threads as a group: one thread
        runs the baseline and the other the subject, at the same time, so the load of the shared
        machine hits both alike. %d forks per row (3 x 1 s warm-up, 4 x 1 s measured); medians.

        | subject (thread 2) | baseline ops/us (thread 1) | subject ops/us | ratio (median) | ratio min-max |
        |---|---|---|---|---|
        %s

        Goal: at least 0.8x of raw Caffeine. An L1 hit is one Caffeine `getIfPresent` and no clock
        read unless refresh-ahead or stale-while-revalidate is on or the entry dies before the L1 TTL
        (negative entries, entries promoted near their end). The first two rows are caches built
        without a `meterRegistry`, whose L1 records no Caffeine stats; the third row shows what the
        stats alone cost raw Caffeine, and the last row compares a metered TieredCache with a
        metered raw Caffeine.
        An earlier L1 built on Caffeine's per-entry (variable) expiry measured about 0.46x; L1 now uses it only when its TTL is not below the shortest jittered cache TTL (see `annotation-proxy-hit`, `equal-ttl`).
        %s
        Rerun: `mvn -B -q -pl benchmarks exec:exec -Dbench=cache-l1-hit`
        """.formatted(FORKS, rows.toString().strip(), context.machineLine());
    }
}
