package io.strata.benchmarks.annotation;

import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * A {@code @Cached} hit through the proxy vs {@code TieredCache.getIfPresent} vs raw Caffeine
 * {@code getIfPresent} (JMH, 2 threads, one fork); goal: the proxy hit at least 0.5x raw Caffeine.
 */
public final class ProxyHitBenchmark implements Benchmark {

  @Override
  public String name() {
    return "annotation-proxy-hit";
  }

  @Override
  public String run(BenchmarkContext context) throws Exception {
    Options options = new OptionsBuilder()
        .include(ProxyHitJmh.class.getName() + "\\.")
        .forks(1)
        .threads(2)
        .warmupIterations(4)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(6)
        .measurementTime(TimeValue.seconds(1))
        .jvmArgsAppend("-Xmx512m")
        .build();
    Collection<RunResult> results = new Runner(options).run();
    Map<String, double[]> scores = new HashMap<>();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      scores.put(method, new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
    }
    double raw = scores.get("rawCaffeine")[0];
    StringBuilder b = new StringBuilder();
    b.append("### Annotation proxy: cache hit through `@Cached` vs `TieredCache.getIfPresent` vs raw Caffeine\n\n");
    b.append(context.machineLine()).append("\n\n");
    b.append("JMH, 2 threads, 1 fork, 4 x 1 s warm-up, 6 x 1 s measurement; 1,024 warm keys, boxed once. "
        + "Goal: proxy hit >= 0.5x raw Caffeine.\n\n");
    b.append("| path | ops/us (2 threads) | +/- | vs raw Caffeine |\n|---|---:|---:|---:|\n");
    for (String m : new String[] {"rawCaffeine", "tieredGetIfPresent", "proxyHit"}) {
      double[] s = scores.get(m);
      b.append(String.format("| %s | %.1f | %.1f | %.2fx |%n", label(m), s[0], s[1], s[0] / raw));
    }
    double ratio = scores.get("proxyHit")[0] / raw;
    b.append("\nProxy hit / raw Caffeine = ").append(String.format("%.2fx", ratio))
        .append(ratio >= 0.5 ? " (goal met).\n" : " (goal NOT met).\n");
    b.append("\nReproduce: `bash .ci/as-user mvn -B -o -q install -DskipTests -pl testkit,replication,router,cache "
        + "&& bash .ci/as-user mvn -B -o -q -pl benchmarks exec:exec -Dbench=annotation-proxy-hit`\n");
    return b.toString();
  }

  private static String label(String method) {
    return switch (method) {
      case "rawCaffeine" -> "raw Caffeine `getIfPresent`";
      case "tieredGetIfPresent" -> "`TieredCache.getIfPresent` (L1 only)";
      default -> "`@Cached` proxy hit";
    };
  }
}
