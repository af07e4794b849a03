package io.strata.benchmarks.router;

import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** The router's plan-cache hit vs a raw Caffeine lookup and vs a JSqlParser parse (JMH, 1 thread). */
public final class PlanCacheBenchmark implements Benchmark {

    @Override
    public String name() {
        return "router-plan-cache";
    }

    @Override
    public String run(BenchmarkContext context) throws Exception {
        Options options = new OptionsBuilder()
                .include(PlanCacheJmh.class.getName() + "\\.")
                .threads(1)
                .forks(2)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(1))
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.NANOSECONDS)
                .jvmArgsAppend("-Xmx512m")
                .build();
        Map<String, double[]> scores = new HashMap<>();
        for (RunResult r : new Runner(options).run()) {
            String method = r.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            scores.put(method, new double[] {
                r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()
            });
        }
        double[] base = Objects.requireNonNull(scores.get("caffeineGetIfPresent"), "measured above");
        StringBuilder rows = new StringBuilder();
        for (String m : new String[] {"caffeineGetIfPresent", "planCacheHit", "jsqlParse"}) {
            double[] s = Objects.requireNonNull(scores.get(m), "measured above");
            rows.append("| `%s` | %,.1f ± %,.1f | %.2fx |%n".formatted(m, s[0], s[1], s[0] / base[0]));
        }
        return """
                ### Router: plan-cache hit (JMH)

                `RoutePlanner.plan(sql)` for a statement already planned (a two-table join on the shard key,
                %d characters), against a raw Caffeine `getIfPresent` with an equal String key (the floor:
                hashing the SQL text) and against the JSqlParser parse a miss pays (with JSqlParser's time limit, on a
                reused thread, as the planner parses). JMH average time,
                1 thread, 2 forks x 5 x 1 s after 3 x 1 s warm-up.

                | benchmark | ns/op | ratio vs raw Caffeine |
                |---|---|---|
                %s

                Goal: a hit costs about one Caffeine lookup, orders of magnitude below a parse.
                %s
                Rerun: `mvn -B -q -pl benchmarks exec:exec -Dbench=router-plan-cache`
                """.formatted(PlanCacheJmh.SQL.length(), rows.toString().strip(), context.machineLine());
    }
}
