package io.strata.replication;

import java.time.Duration;

/**
 * A snapshot of one node as the lag monitor sees it.
 *
 * @param name the node's name (from the builder)
 * @param role its current role
 * @param up whether it answered the last poll within the node timeout
 * @param lsn the primary's current WAL LSN, or a replica's replay LSN (byte offset)
 * @param lagBytes the primary's LSN minus this replica's replay LSN (0 for the primary)
 * @param lag the replica's time lag on Strata's clock (about one poll interval when caught up, never zero; see {@link ReplicaSetDataSource})
 * @param circuitOpen whether the node's circuit breaker currently refuses calls
 */
public record NodeState(
        String name, NodeRole role, boolean up, long lsn, long lagBytes, Duration lag, boolean circuitOpen) {}
