package io.strata.router.internal.execute;

import io.strata.router.TransactionPolicy;
import io.strata.router.internal.jdbc.ConnectionStates;
import io.strata.router.internal.jdbc.LogicalConnection;
import io.strata.router.internal.merge.TextOrder;
import io.strata.router.internal.plan.Planner;
import io.strata.router.internal.plan.RoutingRules;
import io.strata.router.internal.reshard.MapLease;
import io.strata.router.internal.txn.TwoPhaseCommit;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The running router behind a {@code ShardingDataSource}: the shards' data sources, the planner,
 * the transaction policy and coordinator, the metrics. Sealed once built; shared by every logical
 * connection.
 */
public final class Router {

    public final List<String> shardNames;
    public final List<DataSource> shards;
    final RoutingRules rules;
    public final Planner planner;
    public final TransactionPolicy policy;
    public final TwoPhaseCommit twoPhase;
    final RouterMetrics metrics;
    /** The URL {@code DatabaseMetaData.getURL()} reports. */
    public final String url;
    /** The stride of interleaved identity/serial sequences on sharded tables; 0: left alone. */
    final int identityStride;
    /** The shard index global sequences and the id-node lease table live on. */
    final int sequenceShard;
    /** Runs a statement's shard calls in parallel. */
    public final ShardCalls calls;
    /** Bounds the logical connections holding each shard; statements take their shards all or none. */
    public final ShardPermits permits;
    /** The router's observations (off unless an ObservationRegistry was given). */
    public final Tracing tracing;
    /** The pooled working state of logical connections (see {@link ConnectionStates}). */
    public final ConnectionStates connectionStates;
    /** The versioned shard map of online resharding, or null when resharding is off. */
    public final MapLease mapLease;

    /** Assembles a router; {@code twoPhase} is null under {@link TransactionPolicy#REJECT}. */
    public Router(
            List<String> shardNames,
            List<DataSource> shards,
            RoutingRules rules,
            Planner planner,
            TransactionPolicy policy,
            TwoPhaseCommit twoPhase,
            RouterMetrics metrics,
            String url,
            int identityStride,
            int sequenceShard,
            ShardCalls calls,
            ShardPermits permits,
            Tracing tracing) {
        this(
                shardNames,
                shards,
                rules,
                planner,
                policy,
                twoPhase,
                metrics,
                url,
                identityStride,
                sequenceShard,
                calls,
                permits,
                tracing,
                null);
    }

    /** As above, routing with a resharding {@link MapLease} (null: the fixed map of {@code rules}). */
    public Router(
            List<String> shardNames,
            List<DataSource> shards,
            RoutingRules rules,
            Planner planner,
            TransactionPolicy policy,
            TwoPhaseCommit twoPhase,
            RouterMetrics metrics,
            String url,
            int identityStride,
            int sequenceShard,
            ShardCalls calls,
            ShardPermits permits,
            Tracing tracing,
            MapLease mapLease) {
        this.mapLease = mapLease;
        this.shardNames = List.copyOf(shardNames);
        this.shards = List.copyOf(shards);
        this.rules = rules;
        this.planner = planner;
        this.policy = policy;
        this.twoPhase = twoPhase;
        this.metrics = metrics;
        this.url = url;
        this.identityStride = identityStride;
        this.sequenceShard = sequenceShard;
        this.calls = calls;
        this.permits = permits;
        this.tracing = tracing;
        this.connectionStates = new ConnectionStates(this.shards.size());
    }

    /** How the shards order text; read on first use and again after DDL through the router. */
    private volatile TextOrder textOrder;

    TextOrder textOrder() throws java.sql.SQLException {
        TextOrder t = textOrder;
        if (t == null) {
            synchronized (this) {
                t = textOrder;
                if (t == null) {
                    t = TextOrder.check(shardNames, shards);
                    textOrder = t;
                }
            }
        }
        return t;
    }

    void forgetTextOrder() {
        textOrder = null;
    }

    /** A new logical connection; no physical connection is taken until a statement needs one. */
    public Connection connect() {
        return new LogicalConnection(this);
    }

    /** The planner. */
    public Planner planner() {
        return planner;
    }

    /** The two-phase coordinator, or null. */
    public TwoPhaseCommit twoPhase() {
        return twoPhase;
    }

    /** The shard names. */
    public List<String> shardNames() {
        return shardNames;
    }

    /** See {@code ShardingDataSource.interleaveSequences}. */
    public int interleaveSequences(String table) throws SQLException {
        if (identityStride <= 0) {
            throw new SQLException(
                    "Strata: identityStride is 0, so identity sequences are not interleaved; set it first", "22023");
        }
        List<Connection> open = new java.util.ArrayList<>();
        try {
            long above = 0;
            for (DataSource ds : shards) {
                Connection c = ds.getConnection();
                open.add(c);
                if (c.isWrapperFor(io.strata.replication.ReplicaSetConnection.class)) {
                    c.unwrap(io.strata.replication.ReplicaSetConnection.class)
                            .setConsistency(io.strata.replication.Consistency.STRONG);
                }
                above = Math.max(above, IdentityInterleave.highest(c, table));
            }
            int changed = 0;
            for (int s = 0; s < open.size(); s++) {
                changed += IdentityInterleave.apply(open.get(s), table, s, identityStride, above);
            }
            return changed;
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
    }

    public int shardIndex(String name) throws SQLException {
        int i = shardNames.indexOf(name);
        if (i < 0) {
            throw new SQLException("Strata: unknown shard '" + name + "'; shards are " + shardNames, "22023");
        }
        return i;
    }
}
