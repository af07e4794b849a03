package io.strata.benchmarks;

import io.strata.benchmarks.replication.PointSelectBenchmark;
import io.strata.benchmarks.testkit.TopologyStartupBenchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs benchmarks and rewrites their sections of {@code BENCHMARKS.md}, leaving the others as
 * they were, so one benchmark can be rerun on its own.
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am install -DskipTests
 * mvn -B -q -pl benchmarks exec:exec -Dbench=all          # or -Dbench=name1,name2
 * </pre>
 */
public final class BenchmarkRunner {

    /** Every benchmark, in the order BENCHMARKS.md lists them. */
    static final List<Benchmark> BENCHMARKS = List.of(
            new TopologyStartupBenchmark(),
            new PointSelectBenchmark(),
            new io.strata.benchmarks.cache.L1HitBenchmark(),
            new io.strata.benchmarks.cache.CacheAsideZipfBenchmark(),
            new io.strata.benchmarks.cache.WriteBehindBenchmark(),
            new io.strata.benchmarks.router.RoutedPointSelectBenchmark(),
            new io.strata.benchmarks.router.PlanCacheBenchmark(),
            new io.strata.benchmarks.router.ScatterBenchmark(),
            new io.strata.benchmarks.router.TwoPhaseCommitBenchmark(),
            new io.strata.benchmarks.router.TimeWindowBenchmark(),
            new io.strata.benchmarks.router.ReshardMoveBenchmark(),
            new io.strata.benchmarks.annotation.ProxyHitBenchmark());

    private BenchmarkRunner() {}

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 || args[0].isBlank() ? "all" : args[0].trim();
        Set<String> names = which.equals("all")
                ? BENCHMARKS.stream()
                        .map(Benchmark::name)
                        .collect(Collectors.toCollection(java.util.LinkedHashSet::new))
                : Arrays.stream(which.split(","))
                        .map(String::trim)
                        .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        List<String> unknown = new ArrayList<>(names);
        unknown.removeAll(BENCHMARKS.stream().map(Benchmark::name).toList());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown benchmark(s) " + unknown + "; known: "
                    + BENCHMARKS.stream().map(Benchmark::name).toList());
        }
        Path file = Path.of("BENCHMARKS.md").toAbsolutePath();
        BenchmarkContext context = BenchmarkContext.current();
        for (Benchmark b : BENCHMARKS) {
            if (!names.contains(b.name())) {
                continue;
            }
            System.out.println("== running " + b.name());
            String section = b.run(context).strip();
            System.out.println(section);
            writeSection(file, b.name(), section);
        }
        System.out.println("updated " + file);
        System.exit(0); // benchmark servers' non-daemon threads must not keep the JVM alive
    }

    static void writeSection(Path file, String name, String section) throws IOException {
        String begin = "<!-- bench:" + name + " -->";
        String end = "<!-- /bench:" + name + " -->";
        String text = Files.exists(file) ? Files.readString(file) : header();
        String block = begin + "\n" + section + "\n" + end;
        int i = text.indexOf(begin);
        int j = text.indexOf(end);
        if (i >= 0 && j > i) {
            text = text.substring(0, i) + block + text.substring(j + end.length());
        } else {
            text = text.stripTrailing() + "\n\n" + block + "\n";
        }
        Files.writeString(file, text);
    }

    private static String header() {
        return """
                # Benchmarks

                Every figure here is a ratio against a baseline measured in the same run on the same
                machine; absolute numbers are given for context only. Sections are rewritten by the
                benchmark runner; rerun one with the command in its section.

                Run them all (about a quarter of an hour on 2 cores):

                ```
                mvn -B -q install -DskipTests
                mvn -B -q -pl benchmarks exec:exec -Dbench=all
                ```
                """;
    }
}
