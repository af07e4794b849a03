package io.strata.replication;

/** What a read does when no replica qualifies for its consistency. */
public enum NoReplicaPolicy {
    /**
     * Read from the primary, through the set's fallback bulkhead
     * ({@link ReplicaSetDataSourceBuilder#primaryFallbackConcurrency} reads at a time, waiting up
     * to {@link ReplicaSetDataSourceBuilder#primaryFallbackWait} for a turn); past the wait the
     * read fails with SQLState {@value ReplicaSetDataSource#SQLSTATE_FALLBACK_SATURATED}, and at
     * once with {@value ReplicaSetDataSource#SQLSTATE_NODE_UNAVAILABLE} when the primary is down.
     */
    PRIMARY,
    /** Fail at once with SQLState {@value ReplicaSetDataSource#SQLSTATE_NO_ELIGIBLE_REPLICA}. */
    FAIL
}
