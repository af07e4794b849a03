package io.strata.replication;

import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.internal.ClusterSettings;
import io.strata.replication.internal.NodeSpec;
import io.strata.replication.internal.ReplicaSet;
import io.strata.replication.internal.ReplicaSetConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ReplicaSetDataSource}. Every setter checks its argument at once and throws
 * {@link IllegalArgumentException} naming the setting and the rejected value; {@link #build()}
 * checks what needs the whole picture (a primary is set, node names are unique, weights name
 * replicas). {@code build()} copies the configuration: later changes to the builder do not
 * touch the built data source.
 *
 * <pre>{@code
 * ReplicaSetDataSource ds = ReplicaSetDataSource.builder()
 *     .name("shard0")
 *     .primary("jdbc:postgresql://db0:5432/app")
 *     .replica("jdbc:postgresql://db0-r1:5432/app")
 *     .replica("jdbc:postgresql://db0-r2:5432/app")
 *     .username("app").password("secret")
 *     .maxLag(Duration.ofSeconds(1))
 *     .readStrategy(ReadStrategy.lowestLag())
 *     .meterRegistry(registry)
 *     .build();
 * }</pre>
 */
public final class ReplicaSetDataSourceBuilder {

    private String name = "default";
    private final List<NodeSpec> nodes = new ArrayList<>();
    private final Map<String, Double> weights = new HashMap<>();
    private @Nullable String username;
    private @Nullable String password;
    private Consumer<HikariConfig> primaryPool = c -> {};
    private Consumer<HikariConfig> replicaPool = c -> {};
    private Consistency consistency = Consistency.EVENTUAL;
    private Duration maxLag = Duration.ofSeconds(1);
    private ReadStrategy readStrategy = ReadStrategy.roundRobin();
    private Duration pollInterval = Duration.ofMillis(100);
    private Duration nodeTimeout = Duration.ofSeconds(1);
    private Duration readYourWritesWait = Duration.ofMillis(100);
    private NoReplicaPolicy noReplicaPolicy = NoReplicaPolicy.PRIMARY;
    private int primaryFallbackConcurrency = 8;
    private Duration primaryFallbackWait = Duration.ofSeconds(1);
    private Duration statementNetworkTimeout = Duration.ofSeconds(30);
    private boolean ignoreLagForTesting;
    private final Set<String> writingFunctions = new LinkedHashSet<>();
    private @Nullable CircuitBreakerConfig circuitBreaker;
    private @Nullable MeterRegistry meterRegistry;
    private Clock clock = Clock.SYSTEM;
    private @Nullable HazelcastInstance cluster;
    private Duration maxClockSkew = Duration.ofMillis(50);
    private Duration clusterSampleTimeout = Duration.ofSeconds(1);
    private boolean trustSampleClocksForTesting;
    private @Nullable LongSupplier sampleDelayForTesting;
    private int replicaCount;

    ReplicaSetDataSourceBuilder() {}

    /**
     * The replica set's name ({@code [A-Za-z0-9_-]{1,64}}, default {@code "default"}): the key
     * of this set's entry in a {@link ConsistencyToken} and the {@code replicaSet} metric tag.
     */
    public ReplicaSetDataSourceBuilder name(String name) {
        if (!ConsistencyToken.isValidName(name)) {
            throw new IllegalArgumentException("name must match [A-Za-z0-9_-]{1,64}, was " + quote(name));
        }
        this.name = name;
        return this;
    }

    /** The primary, by JDBC URL ({@code jdbc:postgresql:...}); node name {@code "primary"}. */
    public ReplicaSetDataSourceBuilder primary(String jdbcUrl) {
        return primary("primary", jdbcUrl);
    }

    /** The primary, by JDBC URL, with a node name. */
    public ReplicaSetDataSourceBuilder primary(String nodeName, String jdbcUrl) {
        return addNode(nodeName, true, checkUrl("primary", jdbcUrl), null);
    }

    /**
     * The primary, by a {@link DataSource} that creates physical connections (unpooled, e.g.
     * pgjdbc's {@code PGSimpleDataSource}: Strata pools it with HikariCP and the lag monitor
     * opens its own connections from it).
     */
    public ReplicaSetDataSourceBuilder primary(String nodeName, DataSource dataSource) {
        return addNode(nodeName, true, null, Objects.requireNonNull(dataSource, "primary dataSource cannot be null"));
    }

    /** A replica, by JDBC URL; node names {@code "replica0"}, {@code "replica1"}, ... in order. */
    public ReplicaSetDataSourceBuilder replica(String jdbcUrl) {
        return replica("replica" + replicaCount, jdbcUrl);
    }

    /** A replica, by JDBC URL, with a node name. */
    public ReplicaSetDataSourceBuilder replica(String nodeName, String jdbcUrl) {
        return addNode(nodeName, false, checkUrl("replica", jdbcUrl), null);
    }

    /** A replica, by an unpooled {@link DataSource} (see {@link #primary(String, DataSource)}). */
    public ReplicaSetDataSourceBuilder replica(String nodeName, DataSource dataSource) {
        return addNode(nodeName, false, null, Objects.requireNonNull(dataSource, "replica dataSource cannot be null"));
    }

    private ReplicaSetDataSourceBuilder addNode(
            String nodeName, boolean primary, @Nullable String url, @Nullable DataSource ds) {
        if (nodeName == null || !nodeName.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException((primary ? "primary" : "replica")
                    + " node name must match [A-Za-z0-9_.-]{1,64}, was " + quote(nodeName));
        }
        if (primary && nodes.stream().anyMatch(NodeSpec::primary)) {
            throw new IllegalArgumentException("primary: already set to "
                    + nodes.stream()
                            .filter(NodeSpec::primary)
                            .findFirst()
                            .orElseThrow()
                            .name()
                    + ", cannot also be " + quote(nodeName) + " (a replica set has exactly one primary)");
        }
        if (nodes.stream().anyMatch(n -> n.name().equals(nodeName))) {
            throw new IllegalArgumentException("node name must be unique, was " + quote(nodeName) + " twice");
        }
        if (!primary) {
            replicaCount++;
        }
        nodes.add(new NodeSpec(nodeName, primary, url, ds));
        return this;
    }

    private static String checkUrl(String setting, String url) {
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(setting + " must be a jdbc:postgresql: URL, was " + quote(url));
        }
        return url;
    }

    /** User name for every node (else whatever the URL or DataSource carries). */
    public ReplicaSetDataSourceBuilder username(String username) {
        this.username = Objects.requireNonNull(username, "username cannot be null");
        return this;
    }

    /** Password for every node. */
    public ReplicaSetDataSourceBuilder password(String password) {
        this.password = Objects.requireNonNull(password, "password cannot be null");
        return this;
    }

    /**
     * Adjusts the HikariCP configuration of the primary's pool (size, timeouts, properties).
     * Strata sets the JDBC URL or DataSource, credentials, pool name and metrics; leave those.
     */
    public ReplicaSetDataSourceBuilder primaryPool(Consumer<HikariConfig> customizer) {
        this.primaryPool = Objects.requireNonNull(customizer, "primaryPool cannot be null");
        return this;
    }

    /** Adjusts the HikariCP configuration of every replica's pool (see {@link #primaryPool}). */
    public ReplicaSetDataSourceBuilder replicaPool(Consumer<HikariConfig> customizer) {
        this.replicaPool = Objects.requireNonNull(customizer, "replicaPool cannot be null");
        return this;
    }

    /** The default consistency of reads (default {@link Consistency#EVENTUAL}). */
    public ReplicaSetDataSourceBuilder consistency(Consistency consistency) {
        this.consistency = Objects.requireNonNull(consistency, "consistency cannot be null");
        return this;
    }

    /** The most a replica may lag, in time, and still serve any read (default 1 s). */
    public ReplicaSetDataSourceBuilder maxLag(Duration maxLag) {
        this.maxLag = positive("maxLag", maxLag);
        return this;
    }

    /** How reads are balanced among qualifying replicas (default round-robin). */
    public ReplicaSetDataSourceBuilder readStrategy(ReadStrategy readStrategy) {
        this.readStrategy = Objects.requireNonNull(readStrategy, "readStrategy cannot be null");
        return this;
    }

    /** The read strategy by name; see {@link ReadStrategy#named}. */
    public ReplicaSetDataSourceBuilder readStrategy(String readStrategy) {
        this.readStrategy = ReadStrategy.named(readStrategy);
        return this;
    }

    /** Weight of a replica for {@link ReadStrategy#weightedRandom()} / health-weighted (default 1). */
    public ReplicaSetDataSourceBuilder replicaWeight(String nodeName, double weight) {
        Objects.requireNonNull(nodeName, "replicaWeight nodeName cannot be null");
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException(
                    "replicaWeight of " + nodeName + " must be positive and finite, was " + weight);
        }
        weights.put(nodeName, weight);
        return this;
    }

    /** How often the lag monitor polls each node (default 100 ms; 10 ms to 10 s). */
    public ReplicaSetDataSourceBuilder pollInterval(Duration pollInterval) {
        positive("pollInterval", pollInterval);
        if (pollInterval.compareTo(Duration.ofMillis(10)) < 0 || pollInterval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("pollInterval must be between 10ms and 10s, was " + pollInterval);
        }
        this.pollInterval = pollInterval;
        return this;
    }

    /**
     * How long a node may take to answer a monitor poll or open a connection before it counts
     * as down (default 1 s).
     */
    public ReplicaSetDataSourceBuilder nodeTimeout(Duration nodeTimeout) {
        this.nodeTimeout = positive("nodeTimeout", nodeTimeout);
        return this;
    }

    /**
     * How long a {@link Consistency#READ_YOUR_WRITES} read may wait for the most advanced
     * replica to reach the token before it falls back, asking that replica directly (default
     * 100 ms; zero: do not wait).
     */
    public ReplicaSetDataSourceBuilder readYourWritesWait(Duration wait) {
        this.readYourWritesWait = nonNegative("readYourWritesWait", wait);
        return this;
    }

    /** What a read does when no replica qualifies (default {@link NoReplicaPolicy#PRIMARY}). */
    public ReplicaSetDataSourceBuilder noReplicaPolicy(NoReplicaPolicy policy) {
        this.noReplicaPolicy = Objects.requireNonNull(policy, "noReplicaPolicy cannot be null");
        return this;
    }

    /**
     * How many fallback reads (reads no replica qualified for) may run on the primary at once
     * (default 8): a bulkhead that protects the primary from a stampede of reads when replicas
     * lag. A read beyond it waits up to {@link #primaryFallbackWait} for a turn.
     */
    public ReplicaSetDataSourceBuilder primaryFallbackConcurrency(int reads) {
        if (reads < 1) {
            throw new IllegalArgumentException("primaryFallbackConcurrency must be >= 1, was " + reads);
        }
        this.primaryFallbackConcurrency = reads;
        return this;
    }

    /**
     * How long a fallback read waits for a turn on the primary when
     * {@link #primaryFallbackConcurrency} reads already run there (default 1 s; zero: do not
     * wait). Past it the read fails with SQLState
     * {@value ReplicaSetDataSource#SQLSTATE_FALLBACK_SATURATED}.
     */
    public ReplicaSetDataSourceBuilder primaryFallbackWait(Duration wait) {
        this.primaryFallbackWait = nonNegative("primaryFallbackWait", wait);
        return this;
    }

    /**
     * The longest a statement may wait for a node's answer (default 30 s; zero: no limit):
     * Strata sets it as the network timeout ({@link java.sql.Connection#setNetworkTimeout}) of
     * every physical connection it borrows, so a statement already running on a node that
     * freezes (keeps its sockets, answers nothing) fails with a connection error (SQLState class
     * 08) instead of hanging; a read in autocommit mode is then retried once elsewhere. A
     * connection's own {@code setNetworkTimeout} takes precedence.
     */
    public ReplicaSetDataSourceBuilder statementNetworkTimeout(Duration timeout) {
        this.statementNetworkTimeout = nonNegative("statementNetworkTimeout", timeout);
        return this;
    }

    /**
     * Test only: a deliberately broken data source that treats every replica's lag as zero, so
     * a consistency checker can be shown to catch the stale reads that follow. Never use it
     * elsewhere.
     */
    ReplicaSetDataSourceBuilder ignoreLagForTesting() {
        this.ignoreLagForTesting = true;
        return this;
    }

    /** Functions to treat as writing, besides {@link SqlClassifier#DEFAULT_WRITING_FUNCTIONS}. */
    public ReplicaSetDataSourceBuilder writingFunctions(String... functionNames) {
        for (String f : functionNames) {
            if (f == null || !f.matches("[A-Za-z_][A-Za-z0-9_$]*")) {
                throw new IllegalArgumentException("writingFunctions must be function names, was " + quote(f));
            }
            writingFunctions.add(f);
        }
        return this;
    }

    /**
     * The resilience4j circuit-breaker configuration for every node. The default opens at a 50%
     * failure rate over the last 10 calls (at least 5), stays open 2 s, and counts only
     * connection failures (SQLState class 08, pool timeouts), never SQL errors.
     */
    public ReplicaSetDataSourceBuilder circuitBreaker(CircuitBreakerConfig config) {
        this.circuitBreaker = Objects.requireNonNull(config, "circuitBreaker cannot be null");
        return this;
    }

    /** Where metrics go (default: nowhere). */
    public ReplicaSetDataSourceBuilder meterRegistry(MeterRegistry registry) {
        this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry cannot be null");
        return this;
    }

    /** The clock lag is measured on (default {@link Clock#SYSTEM}); tests inject a {@code MockClock}. */
    public ReplicaSetDataSourceBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        return this;
    }

    /**
     * Shares lag monitoring with the other members of this Hazelcast cluster (Hazelcast is an
     * optional dependency: add {@code com.hazelcast:hazelcast} to use this). The members that
     * name a server by the same JDBC URL divide the servers between them: one member polls each
     * server and publishes its samples, the others apply them (conservatively: see
     * {@link #maxClockSkew}) and poll only while the newest sample is older than
     * {@link #clusterSampleTimeout}. Without it (the default) this JVM polls every server itself,
     * once per server however many data sources name it. Nodes given as a {@link DataSource} are
     * always polled locally. The instance must be a member, not a client; the data source does
     * not shut it down.
     */
    public ReplicaSetDataSourceBuilder cluster(HazelcastInstance hazelcast) {
        this.cluster = Objects.requireNonNull(hazelcast, "cluster cannot be null");
        return this;
    }

    /**
     * The most the wall clocks of two cluster members may differ (default 50 ms). A sample taken
     * on another member is aged by its wall-clock age plus this, so a staleness bound is only ever
     * overestimated while the clocks stay within it; a sample that arrives "from the future" by
     * more than this is dropped (logged) and the member polls for itself. Keep the clocks in sync
     * (NTP/chrony) and set this above their worst offset: it is added to every replica's lag as
     * seen from a member that does not poll it.
     */
    public ReplicaSetDataSourceBuilder maxClockSkew(Duration skew) {
        this.maxClockSkew = nonNegative("maxClockSkew", skew);
        return this;
    }

    /**
     * How old the newest sample from the cluster may get before this member polls a server itself
     * (default 1 s, like {@link #nodeTimeout}; more than {@link #pollInterval}): covers a poller
     * that died or left, and slow delivery. Shorter means a lost poller costs less staleness;
     * longer means fewer spurious fallbacks (each one opens a monitor connection) when a loaded
     * member delivers late.
     */
    public ReplicaSetDataSourceBuilder clusterSampleTimeout(Duration timeout) {
        this.clusterSampleTimeout = positive("clusterSampleTimeout", timeout);
        return this;
    }

    /**
     * Test only: deliberately broken, takes cluster samples' wall-clock send times at face value
     * (no skew allowance, no plausibility check), so a checker can be shown to catch clock skew.
     */
    ReplicaSetDataSourceBuilder trustSampleClocksForTesting() {
        this.trustSampleClocksForTesting = true;
        return this;
    }

    /** Test only: holds each sample this member publishes for the given milliseconds. */
    ReplicaSetDataSourceBuilder sampleDelayForTesting(LongSupplier millis) {
        this.sampleDelayForTesting = Objects.requireNonNull(millis, "sampleDelayForTesting");
        return this;
    }

    /**
     * Builds and starts the data source: pools are created (connections open lazily) and the
     * lag monitor starts polling.
     *
     * @throws IllegalStateException naming the setting when the configuration is incomplete
     */
    public ReplicaSetDataSource build() {
        if (nodes.stream().noneMatch(NodeSpec::primary)) {
            throw new IllegalStateException("primary: not set (a replica set needs exactly one primary), replicas: "
                    + nodes.stream().map(NodeSpec::name).toList());
        }
        List<NodeSpec> specs = new ArrayList<>();
        for (NodeSpec n : nodes) {
            specs.add(n.withWeight(weights.getOrDefault(n.name(), 1.0)));
        }
        for (String w : weights.keySet()) {
            if (specs.stream().noneMatch(n -> n.name().equals(w) && !n.primary())) {
                throw new IllegalStateException("replicaWeight: no replica named " + quote(w));
            }
        }
        if (cluster != null && clusterSampleTimeout.compareTo(pollInterval) <= 0) {
            throw new IllegalStateException("clusterSampleTimeout must be longer than pollInterval (" + pollInterval
                    + "), was " + clusterSampleTimeout);
        }
        ClusterSettings clusterSettings = cluster == null
                ? null
                : new ClusterSettings(
                        cluster,
                        maxClockSkew,
                        clusterSampleTimeout,
                        trustSampleClocksForTesting,
                        sampleDelayForTesting);
        ReplicaSetConfig config = new ReplicaSetConfig(
                name,
                List.copyOf(specs),
                username,
                password,
                primaryPool,
                replicaPool,
                consistency,
                maxLag,
                readStrategy,
                pollInterval,
                nodeTimeout,
                readYourWritesWait,
                noReplicaPolicy,
                primaryFallbackConcurrency,
                primaryFallbackWait,
                statementNetworkTimeout,
                SqlClassifier.create(writingFunctions, 10_000),
                circuitBreaker,
                meterRegistry,
                clock,
                clusterSettings,
                ignoreLagForTesting);
        return new ReplicaSetDataSource(ReplicaSet.start(config));
    }

    private static Duration positive(String setting, Duration d) {
        if (d == null) {
            throw new IllegalArgumentException(setting + " cannot be null");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(setting + " must be positive, was " + d);
        }
        return d;
    }

    private static Duration nonNegative(String setting, Duration d) {
        if (d == null) {
            throw new IllegalArgumentException(setting + " cannot be null");
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(setting + " must be >= 0, was " + d);
        }
        return d;
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }
}
