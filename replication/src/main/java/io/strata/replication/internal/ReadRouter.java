package io.strata.replication.internal;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.Consistency;
import io.strata.replication.NoReplicaPolicy;
import io.strata.replication.NodeRole;
import io.strata.replication.ReadStrategy;
import io.strata.replication.ReplicaSetDataSource;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks the node for a read: a replica that qualifies for the consistency (live, circuit not
 * open, lag within the bound, replayed the required LSN), balanced by the {@link ReadStrategy};
 * otherwise the primary through the fallback rate limiter, or an error.
 */
final class ReadRouter {

    private final ReplicaSet set;
    private final ReplicaSetConfig config;
    private final ReadStrategy strategy;
    private final RateLimiter fallbackLimiter;
    private final Counter fallbackToPrimary;
    private final Counter fallbackRejected;
    private final long maxLagNanos;
    private final boolean anyReplicaConfigured;

    ReadRouter(ReplicaSet set, ReplicaSetConfig config, MeterRegistry registry) {
        this.set = set;
        this.config = config;
        this.strategy = config.readStrategy();
        this.maxLagNanos = config.maxLag().toNanos();
        this.anyReplicaConfigured = config.nodes().stream().anyMatch(n -> !n.primary());
        // Permits refresh every 100 ms (a tenth of the rate each), so a burst can never exceed
        // the rate by more than a tenth of a second's worth.
        int rate = config.primaryFallbackRate();
        int periods = rate >= 10 ? 10 : 1;
        this.fallbackLimiter = RateLimiter.of(
                "strata-" + config.name() + "-primary-fallback",
                RateLimiterConfig.custom()
                        .limitForPeriod(Math.max(1, rate / periods))
                        .limitRefreshPeriod(Duration.ofMillis(1000 / periods))
                        .timeoutDuration(Duration.ZERO)
                        .build());
        this.fallbackToPrimary = Counter.builder("strata.replication.fallbacks")
                .description("reads no replica qualified for")
                .tag("replicaSet", config.name())
                .tag("outcome", "primary")
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
    Node chooseReplica(Consistency c, long requiredLsn, Node exclude, Node sticky) {
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
    Node closestToLsn(Consistency c, Node exclude) {
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
     * The primary, for a read no replica qualifies for: through the rate limiter under
     * {@link NoReplicaPolicy#PRIMARY}, else an SQLException with a documented SQLState.
     */
    Node fallback(Consistency c, long requiredLsn) throws SQLException {
        if (config.noReplicaPolicy() == NoReplicaPolicy.FAIL) {
            fallbackRejected.increment();
            throw new SQLTransientException(
                    describe("no replica qualifies", c, requiredLsn) + " and noReplicaPolicy is FAIL",
                    ReplicaSetDataSource.SQLSTATE_NO_ELIGIBLE_REPLICA);
        }
        if (!fallbackLimiter.acquirePermission()) {
            fallbackRejected.increment();
            throw new SQLTransientException(
                    describe("no replica qualifies", c, requiredLsn) + " and the primary fallback rate ("
                            + config.primaryFallbackRate() + "/s) is used up",
                    ReplicaSetDataSource.SQLSTATE_FALLBACK_RATE_EXCEEDED);
        }
        fallbackToPrimary.increment();
        return set.primary();
    }

    private String describe(String what, Consistency c, long requiredLsn) {
        return "replica set " + config.name() + ": " + what + " for a read at consistency " + c
                + (requiredLsn >= 0
                        ? " (required LSN " + io.strata.replication.ConsistencyToken.formatLsn(requiredLsn) + ")"
                        : "")
                + "; nodes: " + set.nodeStates();
    }
}
