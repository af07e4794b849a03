package io.strata.router;

/** How a statement reaches shards; also the {@code kind} tag of the router's statement metrics. */
public enum RouteKind {
    /** Exactly one shard, chosen by a key, a single-table rule, a hint or (for reads) any one shard. */
    SINGLE,
    /** A subset of shards chosen by several keys (an {@code IN} list, a multi-row insert). */
    MULTI,
    /** A read sent to every shard and merged. */
    SCATTER,
    /** A write (or DDL) sent to every shard. */
    BROADCAST
}
