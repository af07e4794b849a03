package io.strata.replication;

import java.time.Duration;

/**
 * A replica that qualifies for a read, as a {@link ReadStrategy} sees it. Values are the lag
 * monitor's and the pool's current view; implementations are cheap to query.
 */
public interface ReadCandidate {

    /** The node's name. */
    String name();

    /** Replay lag in bytes behind the primary (0 when caught up). */
    long lagBytes();

    /** Replay lag in time on Strata's clock (about one poll interval when caught up, never zero). */
    Duration lag();

    /** Connections of this node's pool currently lent out. */
    int activeConnections();

    /** The configured weight (default 1.0; see {@link ReplicaSetDataSourceBuilder#replicaWeight}). */
    double weight();

    /**
     * Health between 0 (failing) and 1 (healthy): 1 minus the circuit breaker's recent failure
     * rate, lowered further for a half-open circuit.
     */
    double health();
}
