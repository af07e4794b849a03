package io.strata.testkit;

import io.strata.testkit.internal.ContainerPgTopology;
import io.strata.testkit.internal.LocalPgTopology;
import io.strata.testkit.internal.TopologySpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Configures and starts a {@link PgTopology}. Each setter checks its argument at once.
 */
public final class PgTopologyBuilder {

    enum Backend {
        LOCAL_PROCESSES,
        TESTCONTAINERS
    }

    private final Backend backend;
    private int shards = 1;
    private int replicasPerShard;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private boolean logicalReplication;
    private Duration startTimeout = Duration.ofSeconds(90);
    private String image = "postgres:17";

    PgTopologyBuilder(Backend backend) {
        this.backend = backend;
    }

    /** Number of shards, 1 or more (default 1). */
    public PgTopologyBuilder shards(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, was " + shards);
        }
        this.shards = shards;
        return this;
    }

    /** Streaming replicas per shard, 0 or more (default 0). */
    public PgTopologyBuilder replicasPerShard(int replicas) {
        if (replicas < 0) {
            throw new IllegalArgumentException("replicasPerShard must be 0 or more, was " + replicas);
        }
        this.replicasPerShard = replicas;
        return this;
    }

    /**
     * Sets a {@code postgresql.conf} parameter on every server, overriding the testkit's default
     * (for example {@code setting("hot_standby_feedback", "off")}).
     */
    public PgTopologyBuilder setting(String name, String value) {
        Objects.requireNonNull(name, "setting name cannot be null");
        Objects.requireNonNull(value, "value of setting " + name + " cannot be null");
        if (!name.matches("[a-z_][a-z0-9_.]*")) {
            throw new IllegalArgumentException("setting name is not a PostgreSQL parameter name: '" + name + "'");
        }
        if (name.equals("port") || name.equals("listen_addresses")) {
            throw new IllegalArgumentException(
                    "setting " + name + " is chosen by the testkit and cannot be overridden");
        }
        settings.put(name, value);
        return this;
    }

    /**
     * Runs every server with {@code wal_level = logical} and room for logical replication
     * ({@code max_logical_replication_workers = 8}, {@code max_sync_workers_per_subscription = 4},
     * {@code max_worker_processes = 16}; {@code max_wal_senders} and {@code max_replication_slots}
     * are 16 already), so publications and subscriptions between the shards work (the router's
     * slot mover needs them). Settings given with {@link #setting} still win.
     */
    public PgTopologyBuilder logicalReplication() {
        logicalReplication = true;
        return this;
    }

    /** Sets several {@code name=value} parameters; see {@link #setting(String, String)}. */
    public PgTopologyBuilder settings(String... nameEqualsValue) {
        for (String pair : nameEqualsValue) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("settings entries must read name=value, was '" + pair + "'");
            }
            setting(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return this;
    }

    /** How long {@link #start()} may take before it fails (default 90 s). */
    public PgTopologyBuilder startTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "startTimeout cannot be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive, was " + timeout);
        }
        this.startTimeout = timeout;
        return this;
    }

    /** The Docker image for the Testcontainers backend (default {@code postgres:17}). */
    public PgTopologyBuilder image(String image) {
        Objects.requireNonNull(image, "image cannot be null");
        this.image = image;
        return this;
    }

    /**
     * Starts every server and returns once all accept connections and every replica streams
     * from its primary.
     *
     * @throws IllegalStateException when run as root (PostgreSQL refuses to), or when a server
     *     fails to start; the message carries the end of its log
     */
    public PgTopology start() {
        Map<String, String> all = new LinkedHashMap<>();
        if (logicalReplication) {
            all.put("wal_level", "logical");
            all.put("max_logical_replication_workers", "8");
            all.put("max_sync_workers_per_subscription", "4");
            all.put("max_worker_processes", "16");
        }
        all.putAll(settings);
        TopologySpec spec = new TopologySpec(shards, replicasPerShard, Map.copyOf(all), startTimeout, image);
        return switch (backend) {
            case LOCAL_PROCESSES -> LocalPgTopology.start(spec);
            case TESTCONTAINERS -> ContainerPgTopology.start(spec);
        };
    }
}
