package io.strata.benchmarks;

/**
 * One benchmark the {@link BenchmarkRunner} can run. It measures a baseline and the thing under
 * test in the same run, on the same machine, and reports their ratio; absolute numbers alone say
 * little on a shared 2-core machine.
 */
public interface Benchmark {

    /** Short, stable name used on the command line ({@code -Dbench=name}) and as the section key. */
    String name();

    /** Runs the benchmark and returns its section of BENCHMARKS.md (Markdown, starting with a ### heading). */
    String run(BenchmarkContext context) throws Exception;
}
