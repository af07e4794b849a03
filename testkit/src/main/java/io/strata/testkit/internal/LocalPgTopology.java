package io.strata.testkit.internal;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PgTopology} of local {@code postgres} processes.
 *
 * <p>How replicas are made without {@code pg_basebackup} (the binary bundle has only
 * {@code initdb}, {@code pg_ctl} and {@code postgres}): every data directory is a copy of one
 * template made by {@code initdb} and never started. A replica's copy gets {@code standby.signal}
 * and {@code primary_conninfo}; since it is byte-for-byte the primary's starting state (same
 * system identifier, same checkpoint), it is a valid base backup, and the standby streams
 * everything the primary writes from its first start on. A physical replication slot per replica
 * keeps the primary's WAL until the replica has it.
 */
public final class LocalPgTopology implements PgTopology {

    private static final Logger log = LoggerFactory.getLogger(LocalPgTopology.class);

    /** The testkit's defaults; anything here can be overridden by the builder's settings. */
    static Map<String, String> defaultSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("wal_level", "replica");
        s.put("hot_standby", "on");
        s.put("max_wal_senders", "16");
        s.put("max_replication_slots", "16");
        s.put("wal_keep_size", "128MB");
        s.put("max_prepared_transactions", "64");
        s.put("max_connections", "100");
        s.put("shared_buffers", "32MB");
        s.put("fsync", "off"); // a process kill loses nothing with fsync off; only an OS crash would
        s.put("wal_receiver_status_interval", "1s");
        s.put("wal_retrieve_retry_interval", "200ms"); // a replica reconnects quickly after its primary restarts
        s.put("unix_socket_directories", "");
        s.put("log_line_prefix", "%m [%p] ");
        s.put("log_min_messages", "warning");
        return s;
    }

    private final Path root;
    private final List<PgShard> shards;
    private final List<LocalPgServer> servers;

    private LocalPgTopology(Path root, List<PgShard> shards, List<LocalPgServer> servers) {
        this.root = root;
        this.shards = shards;
        this.servers = servers;
    }

    /** Builds and starts the topology the spec describes. */
    public static LocalPgTopology start(TopologySpec spec) {
        Processes.requireNotRoot();
        long t0 = System.nanoTime();
        PgBinaries binaries = PgBinaries.get();
        Path root;
        try {
            root = Files.createTempDirectory("strata-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Processes.trackTempDir(root);

        int perShard = 1 + spec.replicasPerShard();
        List<Integer> ports = Ports.free(spec.shards() * perShard);
        List<PgShard> shards = new ArrayList<>();
        List<LocalPgServer> all = new ArrayList<>();
        List<LocalPgServer> primaries = new ArrayList<>();
        List<LocalPgServer> replicas = new ArrayList<>();
        Map<LocalPgServer, String> slotOf = new LinkedHashMap<>();
        LocalPgTopology topology = null;
        try {
            for (int s = 0; s < spec.shards(); s++) {
                int primaryPort = ports.get(s * perShard);
                LocalPgServer primary = newServer(binaries, root, "shard" + s + "-primary", primaryPort, spec);
                writeConfig(primary, spec, Map.of());
                List<PgServer> shardReplicas = new ArrayList<>();
                for (int r = 0; r < spec.replicasPerShard(); r++) {
                    String name = "shard" + s + "-replica" + r;
                    LocalPgServer replica = newServer(binaries, root, name, ports.get(s * perShard + 1 + r), spec);
                    String slot = "shard" + s + "_replica" + r;
                    writeConfig(
                            replica,
                            spec,
                            Map.of(
                                    "primary_conninfo",
                                    "host=127.0.0.1 port=" + primaryPort + " user=postgres application_name=" + name,
                                    "primary_slot_name",
                                    slot));
                    Files.createFile(replica.dataDirectory().resolve("standby.signal"));
                    replica.upstream(primary);
                    shardReplicas.add(replica);
                    replicas.add(replica);
                    slotOf.put(replica, slot);
                }
                primaries.add(primary);
                all.add(primary);
                shardReplicas.forEach(r -> all.add((LocalPgServer) r));
                shards.add(new Shard(s, primary, List.copyOf(shardReplicas)));
            }
            topology = new LocalPgTopology(root, List.copyOf(shards), List.copyOf(all));

            ExecutorService pool = Executors.newFixedThreadPool(Math.min(all.size(), 8));
            try {
                inParallel(pool, primaries, LocalPgServer::start);
                for (Map.Entry<LocalPgServer, String> e : slotOf.entrySet()) {
                    PgServer primary = shardOf(shards, e.getKey()).primary();
                    primary.execute("SELECT pg_create_physical_replication_slot('" + e.getValue() + "', true)");
                }
                replicas.forEach(LocalPgServer::launch);
                // A hot standby opens for queries once it has replayed a running-xacts record; the
                // primary logs one only every 15 s on its own, so ask for one now.
                for (LocalPgServer primary : primaries) {
                    if (spec.replicasPerShard() > 0) {
                        primary.execute("SELECT pg_log_standby_snapshot()");
                    }
                }
                inParallel(pool, replicas, LocalPgServer::awaitAccepting);
                for (PgShard shard : shards) {
                    for (PgServer replica : shard.replicas()) {
                        ((JdbcPgServer) shard.primary())
                                .await(
                                        replica.name() + " streaming",
                                        () -> shard.primary()
                                                        .queryLong("SELECT count(*) FROM pg_stat_replication WHERE "
                                                                + "application_name = '" + replica.name()
                                                                + "' AND state = 'streaming'")
                                                == 1);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            log.info(
                    "started {} shard(s) x (1 primary + {} replica(s)) in {} ms under {}",
                    spec.shards(),
                    spec.replicasPerShard(),
                    (System.nanoTime() - t0) / 1_000_000,
                    root);
            return topology;
        } catch (IOException e) {
            closeQuietly(topology, root);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            if (topology == null) {
                all.forEach(LocalPgServer::kill);
            }
            closeQuietly(topology, root);
            throw e;
        }
    }

    private static PgShard shardOf(List<PgShard> shards, PgServer server) {
        return shards.stream()
                .filter(s -> s.replicas().contains(server))
                .findFirst()
                .orElseThrow();
    }

    private static void inParallel(ExecutorService pool, List<LocalPgServer> servers, Consumer<LocalPgServer> action) {
        List<CompletableFuture<Void>> futures = servers.stream()
                .map(s -> CompletableFuture.runAsync(() -> action.accept(s), pool))
                .toList();
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private static LocalPgServer newServer(PgBinaries binaries, Path root, String name, int port, TopologySpec spec) {
        Path dir = root.resolve(name);
        binaries.newDataDirectory(dir);
        return new LocalPgServer(name, binaries, dir, root.resolve(name + ".log"), port, spec.startTimeout());
    }

    private static void writeConfig(LocalPgServer server, TopologySpec spec, Map<String, String> extra)
            throws IOException {
        Map<String, String> settings = defaultSettings();
        settings.put("listen_addresses", "127.0.0.1");
        settings.put("port", Integer.toString(server.port()));
        settings.putAll(spec.settings());
        settings.putAll(extra);
        StringBuilder conf = new StringBuilder("\n# strata-testkit\n");
        settings.forEach((k, v) ->
                conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
        Files.writeString(
                server.dataDirectory().resolve("postgresql.conf"),
                conf.toString(),
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(
                server.dataDirectory().resolve("pg_hba.conf"),
                "host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n");
    }

    @Override
    public List<PgShard> shards() {
        return shards;
    }

    @Override
    public void close() {
        closeQuietly(this, root);
    }

    private static void closeQuietly(@Nullable LocalPgTopology topology, Path root) {
        if (topology != null) {
            // Every server at once: an immediate stop of a whole test topology is what a test wants.
            for (LocalPgServer s : topology.servers) {
                try {
                    s.kill();
                } catch (RuntimeException e) {
                    log.warn("could not kill {}: {}", s.name(), e.getMessage());
                }
            }
        }
        Processes.deleteTempDir(root);
    }

    @Override
    public String toString() {
        return "LocalPgTopology" + shards;
    }

    private record Shard(int index, PgServer primary, List<PgServer> replicas) implements PgShard {
        @Override
        public String toString() {
            return name() + servers();
        }
    }
}
