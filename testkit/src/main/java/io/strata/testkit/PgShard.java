package io.strata.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * One shard of a {@link PgTopology}: a primary and its streaming replicas.
 */
public interface PgShard {

    /** The shard's position in the topology, from 0. */
    int index();

    /** {@code shard<index>}. */
    default String name() {
        return "shard" + index();
    }

    /** The server that was started as this shard's primary. */
    PgServer primary();

    /** The servers that were started as this shard's replicas, in order. */
    List<PgServer> replicas();

    /** One replica by position. */
    default PgServer replica(int i) {
        return replicas().get(i);
    }

    /** The primary followed by the replicas. */
    default List<PgServer> servers() {
        List<PgServer> all = new ArrayList<>(replicas().size() + 1);
        all.add(primary());
        all.addAll(replicas());
        return List.copyOf(all);
    }
}
