package io.strata.replication.internal;

/**
 * Where the members of a cluster divide the nodes between them and share what they poll (see
 * {@code ClusterSamples}, the Hazelcast one). Implementations must tolerate a cluster that is
 * gone: then nothing is assigned and nothing arrives, and every monitor polls for itself once
 * its samples are older than the cluster sample timeout.
 */
interface SampleExchange {

    /** The monitor wants this node's samples and may be chosen to poll it. */
    void register(NodeMonitor monitor);

    /** The monitor is closing. */
    void unregister(NodeMonitor monitor);

    /** Whether this member is the one that polls the node now (false while the cluster is unknown). */
    boolean assignedHere(NodeMonitor monitor);

    /** Shares a poll this member made as the node's assigned poller. */
    void publish(NodeMonitor monitor, Observation observation);

    /** How old the newest sample from the cluster may get before this member polls for itself. */
    long sampleTimeoutNanos();
}
