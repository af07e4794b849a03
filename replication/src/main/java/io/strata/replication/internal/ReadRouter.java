package io.strata.replication.internal;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyToken;
import io.strata.replication.NoReplicaPolicy;
import io.strata.replication.NodeRole;
import io.strata.replication.ReadStrategy;
import io.strata.replication.ReplicaSetDataSource;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Picks the node for a read: a replica that qualifies for the consistency (live, circuit not
 * open, lag within the bound, replayed the required LSN), balanced by the {@link ReadStrategy};
 * otherwise the primary through the fallback bulkhead, or an error.
 */
final class ReadRouter {

    private final ReplicaSet set;
    private final ReplicaSetConfig config;
    private final ReadStrategy strategy;
    private final Bulkhead fallbackBulkhead;
    private final Counter fallbackToPrimary;
    private final Counter fallbackRejected;
    /** Read-your-writes waits on a replica: it reached the token in time, or the read fell back. */
    final Counter waitReached;

    final Counter waitExpired;
    private final long maxLagNanos;
    private final boolean anyReplicaConfigured;

    ReadRouter(ReplicaSet set, ReplicaSetConfig config, MeterRegistry registry) {
        this.set = set;
        this.config = config;
        this.strategy = config.readStrategy();
        this.maxLagNanos = config.maxLag().toNanos();
        this.anyReplicaConfigured = config.nodes().stream().anyMatch(n -> !n.primary());
        // A bulkhead, not a rate limiter: a fallback read waits for a turn (bounded) instead of
        // failing at once, so replica lag costs latency; the primary still never runs more than
        // primaryFallbackConcurrency fallback reads at a time.
        this.fallbackBulkhead = Bulkhead.of(
                "strata-" + config.name() + "-primary-fallback",
                BulkheadConfig.custom()
                        .maxConcurrentCalls(config.primaryFallbackConcurrency())
                        .maxWaitDuration(config.primaryFallbackWait())
                        .fairCallHandlingStrategyEnabled(true)
                        .build());
        this.fallbackToPrimary = Counter.builder("strata.replication.fallbacks")
                .description("reads no replica qualified for")
                .tag("replicaSet", config.name())
                .tag("outcome", "primary")
                .register(registry);
        this.waitReached = Counter.builder("strata.replication.ryw.waits")
                .description("read-your-writes reads that waited on a replica for the token")
                .tag("replicaSet", config.name())
                .tag("outcome", "reached")
                .register(registry);
        this.waitExpired = Counter.builder("strata.replication.ryw.waits")
                .description("read-your-writes reads that waited on a replica for the token")
                .tag("replicaSet", config.name())
                .tag("outcome", "expired")
                .register(registry);
        this.fallbackRejected = Counter.builder("strata.replication.fallbacks")
                .description("reads no replica qualified for")
                .tag("replicaSet", config.name())
                .tag("outcome", "rejected")
                .register(registry);
    }

    /** Whether reads at this consistency go straight to the primary (not a fallback). */
    boolean primaryOnly(Consistency c) {
        return c.level() == Consistency.Level.STRONG || !anyReplicaConfigured;
    }

    /** The staleness bound in nanoseconds a consistency allows. */
    long boundNanos(Consistency c) {
        return c.level() == Consistency.Level.BOUNDED_STALENESS
                ? c.maxStaleness().orElseThrow().toNanos()
                : maxLagNanos;
    }

    /**
     * A replica for a read, or null when none qualifies.
     *
     * @param requiredLsn the LSN the replica must have replayed, or -1
     * @param exclude a node not to use (it just failed), or null
     * @param sticky a replica the connection already holds: kept if it qualifies
     */
    @Nullable
    Node chooseReplica(Consistency c, long requiredLsn, @Nullable Node exclude, @Nullable Node sticky) {
        long now = set.clock().monotonicTime();
        long bound = boundNanos(c);
        if (sticky != null && sticky != exclude && qualifies(sticky, now, bound, requiredLsn)) {
            return sticky;
        }
        List<Node> candidates = null;
        Node only = null;
        for (Node n : set.nodes()) {
            if (n != exclude && qualifies(n, now, bound, requiredLsn)) {
                if (only == null) {
                    only = n;
                } else {
                    if (candidates == null) {
                        candidates = new ArrayList<>(4);
                        candidates.add(only);
                    }
                    candidates.add(n);
                }
            }
        }
        if (candidates == null) {
            return only;
        }
        return (Node) strategy.choose(candidates);
    }

    /**
     * Replicas that qualify except for the required LSN, most advanced first: where a
     * read-your-writes read may wait a few milliseconds.
     */
    @Nullable
    Node closestToLsn(Consistency c, @Nullable Node exclude) {
        long now = set.clock().monotonicTime();
        long bound = boundNanos(c);
        Node best = null;
        for (Node n : set.nodes()) {
            if (n != exclude && qualifies(n, now, bound, -1) && (best == null || n.replayLsn > best.replayLsn)) {
                best = n;
            }
        }
        return best;
    }

    private boolean qualifies(Node n, long now, long bound, long requiredLsn) {
        return n.role == NodeRole.REPLICA
                && n.isLive(now, set.staleAfterNanos())
                && n.circuitAllows()
                && n.lagNanos(now) <= bound
                && (requiredLsn < 0 || n.replayLsn >= requiredLsn);
    }

    /**
     * The primary, for a read no replica qualifies for, once the read has a turn in the fallback
     * bulkhead (the caller must then call {@link #fallbackDone()} after the statement); else an
     * SQLException with a documented SQLState: {@code 53R01} under {@link NoReplicaPolicy#FAIL},
     * {@code 08R01} at once when the monitor knows the primary is down, {@code 53R02} when no
     * turn came within {@code primaryFallbackWait}.
     */
    Node fallback(Consistency c, long requiredLsn) throws SQLException {
        if (config.noReplicaPolicy() == NoReplicaPolicy.FAIL) {
            fallbackRejected.increment();
            throw new SQLTransientException(
                    describe("no replica qualifies", c, requiredLsn)
                            + " and noReplicaPolicy is FAIL; retry later, or read at a weaker consistency",
                    ReplicaSetDataSource.SQLSTATE_NO_ELIGIBLE_REPLICA);
        }
        Node p = set.primary();
        if (!p.isLive(set.clock().monotonicTime(), set.staleAfterNanos())) {
            // Waiting out the pool's connection timeout on a primary the monitor has given up
            // on only turns a clear answer into a late, vague one.
            fallbackRejected.increment();
            throw new SQLTransientConnectionException(
                    describe("no replica qualifies", c, requiredLsn) + " and the primary " + p.name()
                            + " is down (it did not answer the lag monitor); retry once it is back or promoted",
                    ReplicaSetDataSource.SQLSTATE_NODE_UNAVAILABLE);
        }
        boolean turn;
        try {
            turn = fallbackBulkhead.tryAcquirePermission();
        } catch (RuntimeException e) {
            turn = false; // interrupted while waiting
        }
        if (!turn) {
            fallbackRejected.increment();
            throw new SQLTransientException(
                    describe("no replica qualifies", c, requiredLsn) + " and "
                            + config.primaryFallbackConcurrency() + " fallback reads kept the primary busy for "
                            + config.primaryFallbackWait()
                            + " (primaryFallbackConcurrency / primaryFallbackWait); retry later",
                    ReplicaSetDataSource.SQLSTATE_FALLBACK_SATURATED);
        }
        fallbackToPrimary.increment();
        return p;
    }

    /** Ends a fallback read's turn on the primary. */
    void fallbackDone() {
        fallbackBulkhead.onComplete();
    }

    private String describe(String what, Consistency c, long requiredLsn) {
        return "replica set " + config.name() + ": " + what + " for a read at consistency " + c
                + (requiredLsn >= 0 ? " (required LSN " + ConsistencyToken.formatLsn(requiredLsn) + ")" : "")
                + "; nodes: " + set.nodeStates();
    }
}
