package io.strata.benchmarks.cache;

import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** L1 hit through TieredCache vs raw Caffeine getIfPresent, JMH, 2 threads. */
public final class L1HitBenchmark implements Benchmark {

  @Override
  public String name() {
    return "cache-l1-hit";
  }

  @Override
  public String run(BenchmarkContext context) throws Exception {
    Options options = new OptionsBuilder()
        .include(L1HitJmh.class.getName() + "\\.")
        .threads(2)
        .forks(2)
        .warmupIterations(3)
        .warmupTime(TimeValue.seconds(2))
        .measurementIterations(5)
        .measurementTime(TimeValue.seconds(2))
        .mode(Mode.Throughput)
        .timeUnit(TimeUnit.MICROSECONDS)
        .jvmArgsAppend("-Xmx512m")
        .build();
    Map<String, double[]> scores = new HashMap<>();
    for (RunResult r : new Runner(options).run()) {
      String method = r.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      scores.put(method, new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
    }
    double[] base = scores.get("caffeineGetIfPresent");
    StringBuilder rows = new StringBuilder();
    for (String m : new String[] {"caffeineGetIfPresent", "tieredGetIfPresent", "tieredGetWithLoader"}) {
      double[] s = scores.get(m);
      rows.append("| `%s` | %,.1f ± %,.1f | %.2fx | %.1f |%n".formatted(m, s[0], s[1], s[0] / base[0],
          2_000.0 / s[0]));
    }
    return """
        ### Cache: L1 hit through TieredCache vs raw Caffeine `getIfPresent` (JMH, 2 threads)

        Both caches hold the same 8,192 resident `Long -> String` entries and have the same bounds
        (`maximumSize(100_000)`, 10 minute expiry). TieredCache has only its L1 (`LocalTier`),
        default settings (TTL jitter on, Caffeine stats on for Micrometer's binder). JMH throughput
        mode, 2 threads, 2 forks x 5 x 2 s after 3 x 2 s warm-up.

        | benchmark | ops/us (both threads) | ratio vs raw Caffeine | ~ns per op per thread |
        |---|---|---|---|
        %s

        Goal: at least 0.8x of raw Caffeine. The L1 hit path is one Caffeine `getIfPresent` (with
        stats recording) and no clock read unless refresh-ahead or stale-while-revalidate is on.
        %s
        Rerun: `mvn -B -q -pl benchmarks exec:exec -Dbench=cache-l1-hit`
        """.formatted(rows.toString().strip(), context.machineLine());
  }
}
