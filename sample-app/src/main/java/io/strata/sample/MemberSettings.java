package io.strata.sample;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * Everything one shop member needs to start: where the databases are (shard endpoints, or a
 * {@code jdbc:strata:} URL naming a YAML file), Redis, its Hazelcast cluster, which customers it
 * serves, and the workload. Written as a properties file for member processes.
 *
 * @param memberName this member's name, also its two-phase-commit coordinator id
 * @param memberIndex which slice of the customers this member serves (0-based)
 * @param memberCount how many members share the customers
 * @param shards shard endpoints (embedded and cluster modes), or empty when {@code strataUrl} is set
 * @param strataUrl a {@code jdbc:strata:} URL (external mode), or null
 * @param redisUri {@code redis://host:port}
 * @param clusterName the Hazelcast cluster name
 * @param bindAddress the interface Hazelcast listens on
 * @param hazelcastPort this member's Hazelcast port
 * @param hazelcastMembers every member's {@code host:port}
 * @param customers customer ids are 1..customers
 * @param products product ids are 1..products
 * @param threads workload threads
 * @param duration how long the workload runs
 * @param workDir this member's working directory
 */
public record MemberSettings(
        String memberName,
        int memberIndex,
        int memberCount,
        List<ShardEndpoints> shards,
        @Nullable String strataUrl,
        String redisUri,
        String clusterName,
        String bindAddress,
        int hazelcastPort,
        List<String> hazelcastMembers,
        int customers,
        int products,
        int threads,
        Duration duration,
        Path workDir) {

    /** The customer ids this member serves: every {@code memberCount}-th, starting at its index. */
    public List<Long> ownedCustomers() {
        List<Long> ids = new ArrayList<>();
        for (long id = 1 + memberIndex; id <= customers; id += memberCount) {
            ids.add(id);
        }
        return ids;
    }

    /** Writes these settings to {@code file}. */
    public void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("memberName", memberName);
        p.setProperty("memberIndex", Integer.toString(memberIndex));
        p.setProperty("memberCount", Integer.toString(memberCount));
        p.setProperty("shards", Integer.toString(shards.size()));
        for (int i = 0; i < shards.size(); i++) {
            ShardEndpoints s = shards.get(i);
            p.setProperty("shard." + i + ".name", s.name());
            p.setProperty("shard." + i + ".primary", s.primaryUrl());
            p.setProperty("shard." + i + ".replicas", String.join(",", s.replicaUrls()));
            p.setProperty("shard." + i + ".user", s.user());
            p.setProperty("shard." + i + ".password", s.password());
        }
        if (strataUrl != null) {
            p.setProperty("strataUrl", strataUrl);
        }
        p.setProperty("redisUri", redisUri);
        p.setProperty("clusterName", clusterName);
        p.setProperty("bindAddress", bindAddress);
        p.setProperty("hazelcastPort", Integer.toString(hazelcastPort));
        p.setProperty("hazelcastMembers", String.join(",", hazelcastMembers));
        p.setProperty("customers", Integer.toString(customers));
        p.setProperty("products", Integer.toString(products));
        p.setProperty("threads", Integer.toString(threads));
        p.setProperty("duration", duration.toString());
        p.setProperty("workDir", workDir.toString());
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "Strata shop member");
        }
    }

    /** Reads settings written by {@link #write}. */
    public static MemberSettings read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        List<ShardEndpoints> shards = new ArrayList<>();
        int n = Integer.parseInt(p.getProperty("shards"));
        for (int i = 0; i < n; i++) {
            String replicas = p.getProperty("shard." + i + ".replicas");
            shards.add(new ShardEndpoints(
                    p.getProperty("shard." + i + ".name"),
                    p.getProperty("shard." + i + ".primary"),
                    replicas.isEmpty() ? List.of() : Arrays.asList(replicas.split(",")),
                    p.getProperty("shard." + i + ".user"),
                    p.getProperty("shard." + i + ".password")));
        }
        return new MemberSettings(
                p.getProperty("memberName"),
                Integer.parseInt(p.getProperty("memberIndex")),
                Integer.parseInt(p.getProperty("memberCount")),
                List.copyOf(shards),
                p.getProperty("strataUrl"),
                p.getProperty("redisUri"),
                p.getProperty("clusterName"),
                p.getProperty("bindAddress"),
                Integer.parseInt(p.getProperty("hazelcastPort")),
                Arrays.asList(p.getProperty("hazelcastMembers").split(",")),
                Integer.parseInt(p.getProperty("customers")),
                Integer.parseInt(p.getProperty("products")),
                Integer.parseInt(p.getProperty("threads")),
                Duration.parse(p.getProperty("duration")),
                Path.of(p.getProperty("workDir")));
    }
}
