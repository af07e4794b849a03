package io.strata.sample;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The demo's options, from system properties ({@code -Dduration=20s}):
 *
 * <pre>
 * duration   how long the workload runs: 20s, 1m, 500ms (default 20s)
 * threads    workload threads per member (default 8)
 * customers  customers in the shop (default 400)
 * products   products in the catalogue (default 2000)
 * members    1: everything in this JVM; n &gt; 1: n member processes forming one cluster (default 1)
 * kill       in cluster mode, the member (1..n) to kill -9 half-way through (default: none)
 * config     external mode: the shop's YAML file (PostgreSQL through jdbc:strata:, Redis, Hazelcast)
 * statusPort port of the metrics/status server (default 0: a free one)
 * </pre>
 *
 * Every problem is reported at once, each naming the option and the value.
 */
public record DemoOptions(
        Duration duration,
        int threads,
        int customers,
        int products,
        int members,
        int kill,
        @Nullable Path config,
        int statusPort) {

    /** The options from {@code properties} (normally {@link System#getProperties()}). */
    public static DemoOptions from(Properties properties) {
        List<String> errors = new ArrayList<>();
        Duration duration = duration(properties.getProperty("duration", "20s"), errors);
        int threads = integer(properties, "threads", 8, 1, 256, errors);
        int customers = integer(properties, "customers", 400, 1, 10_000_000, errors);
        int products = integer(properties, "products", 2000, 1, 1_000_000, errors);
        int members = integer(properties, "members", 1, 1, 16, errors);
        int kill = integer(properties, "kill", 0, 0, 16, errors);
        int statusPort = integer(properties, "statusPort", 0, 0, 65535, errors);
        String config = properties.getProperty("config");
        if (kill > 0 && kill > members) {
            errors.add("kill must name a member 1.." + members + " but was " + kill);
        }
        if (kill > 0 && members < 2) {
            errors.add("kill needs members >= 2 (one member must survive) but members was " + members);
        }
        if (customers < threads * members) {
            errors.add("customers (" + customers + ") must be at least threads x members (" + threads * members + ")");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("demo options: " + String.join("; ", errors));
        }
        return new DemoOptions(
                duration,
                threads,
                customers,
                products,
                members,
                kill,
                config == null ? null : Path.of(config),
                statusPort);
    }

    /** Parses {@code 20s}, {@code 1m}, {@code 1h}, {@code 500ms} or an ISO-8601 duration. */
    static Duration duration(String text, List<String> errors) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.startsWith("p")) {
                d = Duration.parse(text.trim());
            } else if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            } else {
                d = Duration.parse(text.trim());
            }
            if (d.isNegative() || d.isZero()) {
                errors.add("duration must be positive but was '" + text + "'");
            }
            return d;
        } catch (RuntimeException e) {
            errors.add("duration must look like 20s, 1m, 1h or 500ms but was '" + text + "'");
            return Duration.ofSeconds(1);
        }
    }

    private static int integer(Properties p, String name, int fallback, int min, int max, List<String> errors) {
        String text = p.getProperty(name);
        if (text == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(text.trim());
            if (v < min || v > max) {
                errors.add(name + " must be in " + min + ".." + max + " but was " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            errors.add(name + " must be an integer but was '" + text + "'");
            return fallback;
        }
    }
}
