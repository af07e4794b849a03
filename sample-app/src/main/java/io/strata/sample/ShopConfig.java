package io.strata.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The shop's own YAML for the external mode. PostgreSQL is reached through Strata's
 * {@code jdbc:strata:} URL, whose YAML file (the router's format) names the shards:
 *
 * <pre>
 * database: jdbc:strata:/config/strata.yaml
 * redis: redis://redis:6379
 * hazelcast: { cluster: shop, bind: 0.0.0.0, port: 5701, members: [app1:5701, app2:5701] }
 * members: 2                       # how many members share the customers
 * status: { bind: 0.0.0.0, port: 8080 }
 * workload: { customers: 400, products: 2000, threads: 4, duration: 10m }
 * </pre>
 *
 * Every error is reported at once, each with its path in the file. Which member this JVM is comes
 * from {@code -Dmember=N} (1-based, default 1).
 *
 * @param database the {@code jdbc:strata:} URL
 * @param redis {@code redis://host:port}
 * @param cluster the Hazelcast cluster name
 * @param bind the interface Hazelcast listens on
 * @param port this member's Hazelcast port
 * @param hazelcastMembers every member's {@code host:port}
 * @param members how many members share the customers
 * @param statusBind the status server's interface
 * @param statusPort the status server's port
 * @param customers customer ids 1..customers
 * @param products product ids 1..products
 * @param threads workload threads per member
 * @param duration how long the workload runs
 */
public record ShopConfig(
        String database,
        String redis,
        String cluster,
        String bind,
        int port,
        List<String> hazelcastMembers,
        int members,
        String statusBind,
        int statusPort,
        int customers,
        int products,
        int threads,
        Duration duration) {

    private static final Set<String> TOP = Set.of("database", "redis", "hazelcast", "members", "status", "workload");

    /** Reads and checks {@code file}. */
    public static ShopConfig load(Path file) throws IOException {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (YAMLException e) {
            throw new IllegalArgumentException(file + " is not valid YAML: " + e.getMessage(), e);
        }
        Reader r = new Reader();
        Map<String, Object> top = r.map(root, "(root)");
        r.unknown(top, TOP, "");
        String database = r.string(top, "database", "");
        if (database != null && !database.startsWith("jdbc:strata:")) {
            r.errors.add("database: must be a jdbc:strata: URL but was '" + database + "'");
        }
        String redis = r.string(top, "redis", "");
        if (redis != null && !redis.startsWith("redis://")) {
            r.errors.add("redis: must be a redis://host:port URI but was '" + redis + "'");
        }
        Map<String, Object> hz = r.map(top.get("hazelcast"), "hazelcast");
        r.unknown(hz, Set.of("cluster", "bind", "port", "members"), "hazelcast.");
        Map<String, Object> status = r.map(top.getOrDefault("status", Map.of()), "status");
        r.unknown(status, Set.of("bind", "port"), "status.");
        Map<String, Object> workload = r.map(top.getOrDefault("workload", Map.of()), "workload");
        r.unknown(workload, Set.of("customers", "products", "threads", "duration"), "workload.");
        List<String> hzMembers = new ArrayList<>();
        Object list = hz.get("members");
        if (list instanceof List<?> l && !l.isEmpty()) {
            l.forEach(m -> hzMembers.add(String.valueOf(m)));
        } else {
            r.errors.add("hazelcast.members: required, a list of host:port but was " + list);
        }
        String durationText = String.valueOf(workload.getOrDefault("duration", "10m"));
        List<String> durationErrors = new ArrayList<>();
        Duration duration = DemoOptions.duration(durationText, durationErrors);
        durationErrors.forEach(e -> r.errors.add("workload.duration: " + e.substring("duration ".length())));
        // a null string was reported in r.errors, and then the config is rejected below
        @SuppressWarnings("NullAway")
        ShopConfig config = new ShopConfig(
                database,
                redis,
                r.string(hz, "cluster", "hazelcast."),
                r.string(hz, "bind", "hazelcast."),
                r.integer(hz, "port", "hazelcast.", null),
                List.copyOf(hzMembers),
                r.integer(top, "members", "", 1),
                String.valueOf(status.getOrDefault("bind", "127.0.0.1")),
                r.integer(status, "port", "status.", 0),
                r.integer(workload, "customers", "workload.", 400),
                r.integer(workload, "products", "workload.", 2000),
                r.integer(workload, "threads", "workload.", 4),
                duration);
        if (!r.errors.isEmpty()) {
            throw new IllegalArgumentException(file + " has " + r.errors.size() + " error"
                    + (r.errors.size() == 1 ? "" : "s") + ":\n  " + String.join("\n  ", r.errors));
        }
        return config;
    }

    /** The settings of member {@code member} (1-based) under this configuration. */
    public MemberSettings member(int member, Path workDir) {
        if (member < 1 || member > members) {
            throw new IllegalArgumentException("member must be in 1.." + members + " but was " + member);
        }
        return new MemberSettings(
                "member-" + member,
                member - 1,
                members,
                List.of(),
                database,
                redis,
                cluster,
                bind,
                port,
                hazelcastMembers,
                customers,
                products,
                threads,
                duration,
                workDir);
    }

    private static final class Reader {
        final List<String> errors = new ArrayList<>();

        @SuppressWarnings("unchecked")
        Map<String, Object> map(@Nullable Object value, String path) {
            if (value instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            errors.add(path + ": must be a mapping but was " + value);
            return Map.of();
        }

        void unknown(Map<String, Object> m, Set<String> known, String prefix) {
            for (String key : m.keySet()) {
                if (!known.contains(key)) {
                    errors.add(prefix + key + ": unknown key; known keys are " + known);
                }
            }
        }

        @Nullable
        String string(Map<String, Object> m, String key, String prefix) {
            Object v = m.get(key);
            if (v == null || String.valueOf(v).isBlank()) {
                errors.add(prefix + key + ": required");
                return null;
            }
            return String.valueOf(v);
        }

        int integer(Map<String, Object> m, String key, String prefix, @Nullable Integer fallback) {
            Object v = m.get(key);
            if (v == null) {
                if (fallback == null) {
                    errors.add(prefix + key + ": required");
                    return 0;
                }
                return fallback;
            }
            if (v instanceof Integer i && i >= 0) {
                return i;
            }
            errors.add(prefix + key + ": must be a non-negative integer but was " + v);
            return 0;
        }
    }
}
