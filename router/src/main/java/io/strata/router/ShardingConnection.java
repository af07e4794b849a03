package io.strata.router;

import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyToken;
import java.util.List;

/**
 * The Strata side of a connection from {@link ShardingDataSource}; reach it with
 * {@code connection.unwrap(ShardingConnection.class)}. The consistency and the token span every
 * shard: the token holds one commit LSN per shard (keyed by shard name) and is passed to each
 * shard's replica set.
 */
public interface ShardingConnection {

    /** Sets the read consistency on every shard; {@code null} returns to each replica set's default. */
    void setConsistency(Consistency consistency);

    /** The consistency set on this connection, or null when it inherits. */
    Consistency consistency();

    /** This session's token: the commit LSNs of its writes on each shard, merged with required tokens. */
    ConsistencyToken token();

    /** Makes READ_YOUR_WRITES reads on every shard wait for {@code token}. */
    void requireToken(ConsistencyToken token);

    /** The shards this connection holds a physical connection to. */
    List<String> openShards();
}
