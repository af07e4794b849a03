package io.strata.replication;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The merged history of a {@link FleetConsistencyCheckerTest} run (every instance's {@code
 * events-<id>.log}, see {@link FleetCheckerMember} for the format), checked in the parent:
 * <ul>
 *   <li>a read at {@code boundedStaleness(d)} (or {@code EVENTUAL}, {@code d = maxLag}; {@code
 *       STRONG}, {@code d = 0}) that started at {@code s} violates if it returned a version
 *       older than the newest version of its key acknowledged, in any instance, before {@code
 *       s - d};
 *   <li>a read-your-writes read, made by another instance that got only the writer's token,
 *       misses if it returned an older version than the one the writer had just written.
 * </ul>
 * An instance killed with {@code kill -9} loses the tail of its log (up to one flush, 200 ms, and
 * a partial last line, which is skipped and counted): an acknowledgement that never reached the
 * log can only make a check weaker, never report a violation that did not happen.
 */
final class FleetHistory {

    /** One checked read. */
    record Read(char level, long boundMillis, int key, long startNanos, long version, String node, int instance) {}

    /** One read-your-writes read. */
    record Ryw(int key, long wrote, long got, String node, int writer, int reader) {}

    private final int base;
    /** key -> acknowledgements, {ackNanos, version} pairs, in log order. */
    private final Map<Integer, List<long[]>> acks = new HashMap<>();

    private final List<Read> reads = new ArrayList<>();
    private final List<Ryw> ryws = new ArrayList<>();
    private final Map<String, Long> errors = new TreeMap<>();
    private long writes;
    private long skippedLines;

    private FleetHistory(int base) {
        this.base = base;
    }

    /** Reads every {@code events-*.log} in {@code dir}. */
    static FleetHistory read(Path dir, int base) throws IOException {
        FleetHistory h = new FleetHistory(base);
        try (var files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("events-") && name.endsWith(".log")) {
                    int instance = Integer.parseInt(name.substring(7, name.length() - 4));
                    for (String line : Files.readAllLines(p, StandardCharsets.US_ASCII)) {
                        h.parse(instance, line);
                    }
                }
            }
        }
        return h;
    }

    /** The instance that writes {@code key} (see {@link FleetCheckerMember#key}). */
    int writerOf(int key) {
        return (key - base) / 100;
    }

    private void parse(int instance, String line) {
        String[] f = line.split(" ");
        try {
            switch (f[0]) {
                case "W" -> {
                    long[] ack = {Long.parseLong(f[3]), Long.parseLong(f[2])};
                    acks.computeIfAbsent(Integer.valueOf(f[1]), k -> new ArrayList<>())
                            .add(ack);
                    if (ack[1] > 0) {
                        writes++;
                    }
                }
                case "R" ->
                    reads.add(new Read(
                            f[1].charAt(0),
                            Long.parseLong(f[2]),
                            Integer.parseInt(f[3]),
                            Long.parseLong(f[4]),
                            Long.parseLong(f[5]),
                            f[6],
                            instance));
                case "Y" ->
                    ryws.add(new Ryw(
                            Integer.parseInt(f[1]),
                            Long.parseLong(f[2]),
                            Long.parseLong(f[3]),
                            f[4],
                            instance,
                            Integer.parseInt(f[5])));
                case "X" -> errors.merge(f[1] + (f.length > 2 ? " " + f[2] : ""), 1L, Long::sum);
                default -> skippedLines++;
            }
        } catch (RuntimeException e) {
            skippedLines++; // the partial last line of a killed instance
        }
    }

    /** What the check found. */
    record Verdict(
            long writes,
            long reads,
            Map<String, Long> readsByLevel,
            Map<String, Long> readsByNode,
            long readsOfOtherInstancesKeys,
            long readsOnReplicas,
            long rywReads,
            long rywOnReplicas,
            long boundViolations,
            long rywMisses,
            List<String> examples,
            Map<String, Long> errors,
            long skippedLines) {

        String describe() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(
                    Locale.ROOT,
                    "history: %,d acknowledged writes, %,d checked reads (%,d of another instance's keys, %,d on"
                            + " replicas), %,d read-your-writes reads across instances (%,d on replicas)%n",
                    writes,
                    reads,
                    readsOfOtherInstancesKeys,
                    readsOnReplicas,
                    rywReads,
                    rywOnReplicas));
            b.append(String.format(
                    Locale.ROOT, "  bound violations    %,d%n  ryw misses          %,d%n", boundViolations, rywMisses));
            b.append("  reads by level      ").append(readsByLevel).append('\n');
            b.append("  reads by node       ").append(readsByNode).append('\n');
            b.append("  errors              ").append(errors).append('\n');
            b.append("  skipped log lines   ").append(skippedLines).append('\n');
            examples.forEach(e -> b.append("  VIOLATION ").append(e).append('\n'));
            return b.toString();
        }
    }

    Verdict check() {
        // Per key: acknowledgement times ascending, with the newest version acknowledged up to each.
        Map<Integer, long[][]> index = new HashMap<>();
        acks.forEach((key, list) -> {
            List<long[]> sorted = new ArrayList<>(list);
            sorted.sort((a, b) -> Long.compare(a[0], b[0]));
            long[] times = new long[sorted.size()];
            long[] newest = new long[sorted.size()];
            long max = -1;
            for (int i = 0; i < sorted.size(); i++) {
                times[i] = sorted.get(i)[0];
                max = Math.max(max, sorted.get(i)[1]);
                newest[i] = max;
            }
            index.put(key, new long[][] {times, newest});
        });
        Map<String, Long> byLevel = new TreeMap<>();
        Map<String, Long> byNode = new TreeMap<>();
        long other = 0;
        long onReplicas = 0;
        long violations = 0;
        List<String> examples = new ArrayList<>();
        for (Read r : reads) {
            String level = switch (r.level()) {
                case 'B' -> "bounded_staleness(" + r.boundMillis() + "ms)";
                case 'E' -> "eventual";
                default -> "strong";
            };
            byLevel.merge(level, 1L, Long::sum);
            byNode.merge(r.node(), 1L, Long::sum);
            if (writerOf(r.key()) != r.instance()) {
                other++;
            }
            if (r.node().contains("replica")) {
                onReplicas++;
            }
            long cutoff = r.startNanos() - TimeUnit.MILLISECONDS.toNanos(r.boundMillis());
            long required = newestAckedBefore(index.get(r.key()), cutoff);
            if (r.version() < required) {
                violations++;
                if (examples.size() < 10) {
                    examples.add(String.format(
                            Locale.ROOT,
                            "%s read of key %d by instance %d on %s returned version %d, but version %d (written by"
                                    + " instance %d) was acknowledged more than %d ms before the read started",
                            level,
                            r.key(),
                            r.instance(),
                            r.node(),
                            r.version(),
                            required,
                            writerOf(r.key()),
                            r.boundMillis()));
                }
            }
        }
        long misses = 0;
        long rywOnReplicas = 0;
        for (Ryw y : ryws) {
            byLevel.merge("read_your_writes", 1L, Long::sum);
            byNode.merge(y.node(), 1L, Long::sum);
            if (y.node().contains("replica")) {
                rywOnReplicas++;
            }
            if (y.got() < y.wrote()) {
                misses++;
                if (examples.size() < 20) {
                    examples.add(String.format(
                            Locale.ROOT,
                            "read-your-writes read of key %d by instance %d (token from instance %d) on %s returned"
                                    + " version %d, the session wrote %d",
                            y.key(),
                            y.reader(),
                            y.writer(),
                            y.node(),
                            y.got(),
                            y.wrote()));
                }
            }
        }
        return new Verdict(
                writes,
                reads.size() + (long) ryws.size(),
                byLevel,
                byNode,
                other,
                onReplicas,
                ryws.size(),
                rywOnReplicas,
                violations,
                misses,
                Collections.unmodifiableList(examples),
                Collections.unmodifiableMap(errors),
                skippedLines);
    }

    /** The newest version acknowledged strictly before {@code nanos}; -1 if not even the row's insert. */
    private static long newestAckedBefore(long[][] index, long nanos) {
        if (index == null) {
            return -1;
        }
        long[] times = index[0];
        int lo = 0;
        int hi = times.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] - nanos < 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? -1 : index[1][found];
    }
}
