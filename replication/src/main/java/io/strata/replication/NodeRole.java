package io.strata.replication;

/** The role of a node as the lag monitor last saw it. */
public enum NodeRole {
    /** The one node writes go to. */
    PRIMARY,
    /** A server in recovery (a streaming replica); reads may go to it. */
    REPLICA,
    /**
     * A server that is not in recovery but is not the set's primary (for example an old primary
     * still running after a replica was promoted). Nothing is routed to it.
     */
    FENCED,
    /** Not yet observed, or not answering. */
    UNKNOWN
}
