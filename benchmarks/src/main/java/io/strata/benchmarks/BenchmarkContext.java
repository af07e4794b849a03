package io.strata.benchmarks;

import java.time.Instant;

/** What a benchmark may want to know about the run it is part of. */
public record BenchmarkContext(Instant started, int cores, String jvm) {

    static BenchmarkContext current() {
        return new BenchmarkContext(
                Instant.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }

    /** One line saying where and when the figures were taken. */
    public String machineLine() {
        return "_Measured " + started.toString().substring(0, 16).replace('T', ' ') + " UTC on " + cores + " cores, "
                + jvm + "._";
    }
}
