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

    /**
     * The figures a benchmark recorded before a change ({@code benchmarks/before/<name>.md}, kept
     * in the repository), to show next to the current ones; empty when there are none.
     */
    public static String before(String name) {
        java.nio.file.Path file = java.nio.file.Path.of("benchmarks", "before", name + ".md");
        try {
            return java.nio.file.Files.exists(file)
                    ? java.nio.file.Files.readString(file).strip()
                    : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** One line saying where and when the figures were taken. */
    public String machineLine() {
        return "_Measured " + started.toString().substring(0, 16).replace('T', ' ') + " UTC on " + cores + " cores, "
                + jvm + "._";
    }
}
