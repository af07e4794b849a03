package io.strata.replication;

/** What a read does when no replica qualifies for its consistency. */
public enum NoReplicaPolicy {
    /**
     * Read from the primary, through the set's fallback rate limiter
     * ({@link ReplicaSetDataSourceBuilder#primaryFallbackRate}); beyond the rate the read fails
     * with SQLState {@value ReplicaSetDataSource#SQLSTATE_FALLBACK_RATE_EXCEEDED}.
     */
    PRIMARY,
    /** Fail at once with SQLState {@value ReplicaSetDataSource#SQLSTATE_NO_ELIGIBLE_REPLICA}. */
    FAIL
}
