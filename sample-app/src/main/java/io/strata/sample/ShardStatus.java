package io.strata.sample;

import java.util.List;

/**
 * One shard as the status endpoint and the live console show it: its nodes, their roles, whether
 * they answer, their circuit and their lag, as this member's lag monitor sees them now.
 *
 * @param shard the replica set's name
 * @param nodes its primary and replicas
 */
public record ShardStatus(String shard, List<Node> nodes) {

    /**
     * One node.
     *
     * @param name the node's name
     * @param role {@code PRIMARY} or {@code REPLICA}
     * @param up whether it answered the last poll
     * @param circuitOpen whether its circuit breaker refuses calls
     * @param lagBytes a replica's lag in bytes of WAL (0 for the primary, -1 unknown)
     * @param lagMillis a replica's lag in time (0 for the primary, -1 unknown)
     */
    public record Node(String name, String role, boolean up, boolean circuitOpen, long lagBytes, long lagMillis) {}
}
