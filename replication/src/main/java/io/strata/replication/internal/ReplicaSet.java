package io.strata.replication.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyScope;
import io.strata.replication.NodeRole;
import io.strata.replication.NodeState;
import io.strata.replication.SqlClassifier;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running replica set behind a {@code ReplicaSetDataSource}: nodes and their pools, the
 * lag monitor, the read router, scopes and metrics.
 *
 * <p>Concurrency: observations from the monitor threads are folded in under {@code this}'s
 * lock ({@link #onObservation}); the primary pointer and per-node fields are volatile and read
 * lock-free on the statement path.
 */
public final class ReplicaSet implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSet.class);
    private static final int SAMPLE_CAPACITY = 16_384;

    private final ReplicaSetConfig config;
    private final List<Node> nodes;
    private final List<Node> replicasView; // every node but the configured primary, for routing scans
    private final LsnSamples samples = new LsnSamples(SAMPLE_CAPACITY);
    private final LagMonitor monitor;
    private final @Nullable ClusterSamples cluster;
    private final ReadRouter router;
    private final MeterRegistry registry;
    private final Counter retries;
    private final ThreadLocal<ArrayDeque<Consistency>> scopes = new ThreadLocal<>();
    private final long staleAfterNanos;

    private volatile Node primary;
    private volatile long primaryLsn = -1;
    private volatile boolean closed;

    private ReplicaSet(ReplicaSetConfig config) {
        this.config = config;
        this.registry = config.meterRegistry() != null ? config.meterRegistry() : new CompositeMeterRegistry();
        this.staleAfterNanos =
                config.pollInterval().toNanos() + config.nodeTimeout().toNanos();
        CircuitBreakerConfig cbConfig = config.circuitBreaker() != null ? config.circuitBreaker() : defaultBreaker();
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(cbConfig);
        if (config.meterRegistry() != null) {
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        }
        List<Node> all = new ArrayList<>();
        Node primaryNode = null;
        for (NodeSpec spec : config.nodes()) {
            HikariDataSource pool = new HikariDataSource(poolConfig(spec));
            CircuitBreaker cb = breakers.circuitBreaker("strata-" + config.name() + "-" + spec.name());
            Counter reads = Counter.builder("strata.replication.statements")
                    .description("statements per node")
                    .tag("replicaSet", config.name())
                    .tag("node", spec.name())
                    .tag("kind", "read")
                    .register(registry);
            Counter writes = Counter.builder("strata.replication.statements")
                    .description("statements per node")
                    .tag("replicaSet", config.name())
                    .tag("node", spec.name())
                    .tag("kind", "write")
                    .register(registry);
            Node n = new Node(this, spec, pool, cb, reads, writes);
            all.add(n);
            if (spec.primary()) {
                n.role = NodeRole.PRIMARY;
                primaryNode = n;
            } else {
                Gauge.builder("strata.replication.lag.bytes", n, x -> {
                            long b = x.lagBytes();
                            return b == Long.MAX_VALUE ? Double.NaN : b;
                        })
                        .tag("replicaSet", config.name())
                        .tag("node", spec.name())
                        .register(registry);
                Gauge.builder("strata.replication.lag.seconds", n, x -> {
                            long l = x.lagNanos(clock().monotonicTime());
                            return l == Long.MAX_VALUE ? Double.NaN : l / 1e9;
                        })
                        .tag("replicaSet", config.name())
                        .tag("node", spec.name())
                        .register(registry);
            }
        }
        // the builder has checked that exactly one node is the primary
        this.primary = Objects.requireNonNull(primaryNode, "a replica set has exactly one primary");
        this.nodes = List.copyOf(all);
        this.replicasView = List.copyOf(all);
        this.retries = Counter.builder("strata.replication.retries")
                .description("reads retried on another node")
                .tag("replicaSet", config.name())
                .register(registry);
        this.router = new ReadRouter(this, config, registry);
        ClusterSettings cs = config.cluster();
        this.cluster = cs != null ? ClusterSamples.acquire(cs) : null;
        this.monitor = new LagMonitor(this, config, nodes, cluster);
        for (Node n : nodes) {
            registerMonitorMetrics(n);
        }
    }

    /**
     * Per node: polls this instance sent ({@code source=own}: no cluster, or this member is the
     * node's assigned poller; {@code source=fallback}: the cluster's samples were too old),
     * samples applied from or dropped of other members, and connections (the pool's, and the
     * monitor's own: 0 or 1). The monitor is shared by every replica set in the JVM that names
     * the same server, so two sets in one registry report the same polls twice, once per set.
     */
    private void registerMonitorMetrics(Node n) {
        for (String source : List.of("own", "fallback")) {
            FunctionCounter.builder("strata.replication.monitor.polls", n, x -> {
                        NodeMonitor m = x.monitor;
                        return m == null ? 0 : (source.equals("own") ? m.polls : m.fallbackPolls).sum();
                    })
                    .description("lag monitor polls this instance sent to the node")
                    .tag("replicaSet", config.name())
                    .tag("node", n.name())
                    .tag("source", source)
                    .register(registry);
        }
        for (String outcome : List.of("applied", "dropped")) {
            FunctionCounter.builder("strata.replication.monitor.samples", n, x -> {
                        NodeMonitor m = x.monitor;
                        return m == null ? 0 : (outcome.equals("applied") ? m.samplesReceived : m.samplesDropped).sum();
                    })
                    .description("lag samples of the node received from other cluster members")
                    .tag("replicaSet", config.name())
                    .tag("node", n.name())
                    .tag("outcome", outcome)
                    .register(registry);
        }
        Gauge.builder("strata.replication.connections", n, x -> {
                    HikariPoolMXBean mx = x.pool.getHikariPoolMXBean();
                    return mx == null ? 0 : mx.getTotalConnections();
                })
                .description("physical connections this instance holds to the node")
                .tag("replicaSet", config.name())
                .tag("node", n.name())
                .tag("kind", "pool")
                .register(registry);
        Gauge.builder("strata.replication.connections", n, x -> {
                    NodeMonitor m = x.monitor;
                    return m != null && m.connected() ? 1 : 0;
                })
                .description("physical connections this instance holds to the node")
                .tag("replicaSet", config.name())
                .tag("node", n.name())
                .tag("kind", "monitor")
                .register(registry);
    }

    /** Creates the pools and starts the lag monitor (after one synchronous poll of every node). */
    public static ReplicaSet start(ReplicaSetConfig config) {
        ReplicaSet set = new ReplicaSet(Objects.requireNonNull(config));
        try {
            set.monitor.start();
        } catch (RuntimeException e) {
            set.close();
            throw e;
        }
        return set;
    }

    private static CircuitBreakerConfig defaultBreaker() {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(2))
                .permittedNumberOfCallsInHalfOpenState(2)
                .recordException(Faults::isConnectionFailure)
                .build();
    }

    private HikariConfig poolConfig(NodeSpec spec) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("strata-" + config.name() + "-" + spec.name());
        // A node that is down must not stall a statement for HikariCP's default 30 s.
        hc.setConnectionTimeout(Math.max(250, config.nodeTimeout().toMillis()));
        hc.setInitializationFailTimeout(-1);
        // Pools shrink when idle: no connection is kept open for nothing, and one idle for a
        // minute is closed (HikariCP's default is 10 minutes), so a fleet's footprint on a
        // server follows its load (see the README's connection budget).
        hc.setMinimumIdle(0);
        hc.setIdleTimeout(60_000);
        hc.setMaximumPoolSize(10);
        (spec.primary() ? config.primaryPool() : config.replicaPool()).accept(hc);
        if (spec.jdbcUrl() != null) {
            hc.setJdbcUrl(spec.jdbcUrl());
        } else {
            hc.setDataSource(spec.dataSource());
        }
        if (config.username() != null) {
            hc.setUsername(config.username());
        }
        if (config.password() != null) {
            hc.setPassword(config.password());
        }
        if (config.meterRegistry() != null) {
            hc.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(config.meterRegistry()));
        }
        return hc;
    }

    public String name() {
        return config.name();
    }

    public SqlClassifier classifier() {
        return config.classifier();
    }

    ReplicaSetConfig config() {
        return config;
    }

    Clock clock() {
        return config.clock();
    }

    List<Node> nodes() {
        return replicasView;
    }

    Node primary() {
        return primary;
    }

    long primaryLsn() {
        return primaryLsn;
    }

    long staleAfterNanos() {
        return staleAfterNanos;
    }

    ReadRouter router() {
        return router;
    }

    Counter retries() {
        return retries;
    }

    public String primaryName() {
        return primary.name();
    }

    /** A new logical connection. */
    public Connection connect() throws SQLException {
        if (closed) {
            throw new SQLTransientConnectionException("replica set " + config.name() + " is closed", "08003");
        }
        return new LogicalConnection(this);
    }

    // ---- scopes --------------------------------------------------------------------------

    public ConsistencyScope openScope(Consistency consistency) {
        Objects.requireNonNull(consistency, "consistency");
        ArrayDeque<Consistency> existing = scopes.get();
        ArrayDeque<Consistency> stack = existing != null ? existing : new ArrayDeque<>(4);
        if (existing == null) {
            scopes.set(stack);
        }
        stack.push(consistency);
        Thread owner = Thread.currentThread();
        return new ConsistencyScope() {
            private boolean open = true;

            @Override
            public Consistency consistency() {
                return consistency;
            }

            @Override
            public void close() {
                if (!open) {
                    return;
                }
                if (Thread.currentThread() != owner) {
                    throw new IllegalStateException("a ConsistencyScope must be closed on the thread that opened it");
                }
                open = false;
                stack.remove(consistency); // the innermost equal entry: scopes close in LIFO order
                if (stack.isEmpty()) {
                    scopes.remove();
                }
            }
        };
    }

    /** The innermost scope's consistency on this thread, else the configured default. */
    Consistency inheritedConsistency() {
        // No allocation on the statement path: the thread-local is absent outside scopes.
        ArrayDeque<Consistency> stack = scopes.get();
        Consistency c = stack == null ? null : stack.peek();
        return c != null ? c : config.consistency();
    }

    // ---- observations --------------------------------------------------------------------

    synchronized void onObservation(Node node, long sentAt, boolean inRecovery, long lsn, long timeline) {
        boolean wasUp = node.up;
        node.inRecovery = inRecovery;
        node.timeline = timeline;
        if (!wasUp || lsn < node.replayLsn) {
            node.invalidate();
        }
        node.replayLsn = lsn;
        node.lastSeenNanos = sentAt;
        node.up = true;
        decidePrimary();
        Node p = primary;
        if (node == p && !inRecovery) {
            samples.record(sentAt, lsn);
            primaryLsn = samples.latestLsn();
            for (Node n : nodes) {
                if (n != p) {
                    anchor(n);
                }
            }
        } else if (node != p) {
            anchor(node);
        }
    }

    synchronized void onPollFailure(Node node) {
        node.up = false;
        node.invalidate();
    }

    synchronized void onDirectReplayObservation(Node node, long lsn) {
        if (node.role == NodeRole.REPLICA && node.up && lsn > node.replayLsn) {
            node.replayLsn = lsn;
            anchor(node);
        }
    }

    /** Recomputes a replica's lag anchor from its replay LSN and the primary's samples. */
    private void anchor(Node n) {
        long r = n.replayLsn;
        if (r < 0 || samples.isEmpty() || !n.inRecovery) {
            n.freshAsOfNanos = Long.MIN_VALUE;
            return;
        }
        n.freshAsOfNanos = samples.freshAsOf(r);
    }

    /**
     * Decides which node takes writes. Invariant: at most one node is PRIMARY. The pointer
     * moves only to a node that reports itself writable, and only when the current primary is
     * down, in recovery, or writable on an older timeline (an old primary still running after a
     * promotion is FENCED: nothing is routed to it).
     */
    private void decidePrimary() {
        Node current = primary;
        long now = clock().monotonicTime();
        Node best = null;
        for (Node n : nodes) {
            if (n.isLive(now, staleAfterNanos) && !n.inRecovery) {
                if (best == null || n.timeline > best.timeline || (n.timeline == best.timeline && n == current)) {
                    best = n;
                }
            }
        }
        boolean currentWritable = current.isLive(now, staleAfterNanos) && !current.inRecovery;
        if (best != null && best != current && (!currentWritable || best.timeline > current.timeline)) {
            LOG.warn(
                    "replica set {}: primary moves from {} to {} (timeline {})",
                    config.name(),
                    current.name(),
                    best.name(),
                    best.timeline);
            primary = best;
            samples.clear();
            primaryLsn = -1;
            current = best;
        }
        for (Node n : nodes) {
            if (n == current) {
                n.role = NodeRole.PRIMARY;
            } else if (n.lastSeenNanos == Long.MIN_VALUE) {
                n.role = NodeRole.UNKNOWN;
            } else {
                n.role = n.inRecovery ? NodeRole.REPLICA : NodeRole.FENCED;
            }
        }
    }

    public List<NodeState> nodeStates() {
        long now = clock().monotonicTime();
        List<NodeState> out = new ArrayList<>();
        for (Node n : nodes) {
            long lag = n.lagNanos(now);
            out.add(new NodeState(
                    n.name(),
                    n.role,
                    n.isLive(now, staleAfterNanos),
                    n.replayLsn,
                    n.lagBytes(),
                    lag == Long.MAX_VALUE ? ChronoDurations.FOREVER : Duration.ofNanos(lag),
                    !n.circuitAllows()));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        monitor.close();
        if (cluster != null) {
            ClusterSamples.release(cluster);
        }
        for (Node n : nodes) {
            n.pool.close();
        }
    }
}
