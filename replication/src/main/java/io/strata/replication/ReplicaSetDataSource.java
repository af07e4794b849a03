package io.strata.replication;

import io.strata.replication.internal.ReplicaSet;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * One PostgreSQL primary and its streaming replicas as one {@link DataSource}.
 *
 * <h2>Routing</h2>
 * {@link #getConnection()} returns a logical connection that borrows physical connections
 * lazily from per-node HikariCP pools. Each statement is classified by {@link SqlClassifier}
 * (parsed once per SQL text). A {@link StatementKind#READ} in autocommit mode, and every
 * statement of a transaction begun read-only ({@code setReadOnly(true)} with autocommit off),
 * goes to a replica chosen by the {@link ReadStrategy} among those that qualify for the read's
 * {@link Consistency}; everything else, and all of a read-write transaction, goes to the
 * primary. A logical connection keeps a replica it has bound while it still qualifies.
 *
 * <h2>Lag</h2>
 * A lag monitor polls every node every {@code pollInterval} over its own connections (not the
 * pools): {@code pg_is_in_recovery()}, the primary's {@code pg_current_wal_lsn()}, each replica's
 * {@code pg_last_wal_replay_lsn()}. Lag in bytes is the difference. Lag in time is measured on
 * Strata's clock from the primary's LSN samples: {@code now - t} for the newest sample
 * {@code (t, lsn)} the replica has replayed, {@code t} being when that poll was sent (an upper
 * bound of its staleness, immune to clock skew, growing between polls and while the primary is
 * silent, and never zero: an idle, caught-up replica reads about one poll interval). A node that does not
 * answer within {@code nodeTimeout} is down. Every data source in the JVM that names the same
 * server with the same monitor settings shares one monitor of it (one thread, one connection);
 * with {@code cluster(hazelcastInstance)} the cluster's members divide the servers between them
 * and share samples, aged conservatively (see the builder and the module README).
 *
 * <h2>Connections</h2>
 * Each node's pool opens at most {@code maximumPoolSize} connections (default 10), none at rest,
 * and closes those idle for 60 s. A statement that finds every connection of a node busy waits
 * the pool's {@code connectionTimeout}, then fails with {@link #SQLSTATE_CONNECTION_CAP}.
 *
 * <h2>Read-your-writes</h2>
 * After a commit of a transaction that wrote (or an autocommit write), the connection asks the
 * same physical connection for {@code pg_current_wal_lsn()} ({@code pg_current_wal_insert_lsn()}
 * when {@code synchronous_commit} is off): one extra round trip, on the primary only, and an
 * upper bound of the commit record's end, so a replica whose replay LSN has reached it has the
 * commit. That LSN joins the connection's {@link ConsistencyToken}
 * ({@link ReplicaSetConnection#token()}).
 *
 * <h2>Faults</h2>
 * Each node has a resilience4j circuit breaker. A read in autocommit mode that fails with a
 * connection error (SQLState class 08) or with SQLState 40001 on a replica ("conflict with
 * recovery") is retried once on another node. When no replica qualifies, the read goes to the
 * primary through a bulkhead ({@link NoReplicaPolicy#PRIMARY}) or fails
 * ({@link NoReplicaPolicy#FAIL}) with {@link #SQLSTATE_NO_ELIGIBLE_REPLICA}. When the monitor
 * sees the primary in recovery or down and exactly one other node writable (or a writable node
 * on a newer timeline), the roles swap; writes only ever go to one node.
 *
 * <h2>Metrics</h2>
 * {@code strata.replication.statements} (tags {@code replicaSet, node, kind}),
 * {@code strata.replication.fallbacks} ({@code replicaSet, outcome}),
 * {@code strata.replication.retries}, {@code strata.replication.lag.bytes} and
 * {@code strata.replication.lag.seconds} (per replica), {@code strata.replication.monitor.polls}
 * ({@code replicaSet, node, source} = own/fallback), {@code strata.replication.monitor.samples}
 * ({@code replicaSet, node, outcome} = applied/dropped), {@code strata.replication.connections}
 * ({@code replicaSet, node, kind} = pool/monitor), resilience4j's circuit-breaker metrics and
 * HikariCP's pool metrics.
 */
public final class ReplicaSetDataSource implements DataSource, AutoCloseable {

    /**
     * SQLState of the error a read gets when no replica qualifies and the policy is
     * {@link NoReplicaPolicy#FAIL} (class 53, insufficient resources; implementation-defined
     * subclass).
     */
    public static final String SQLSTATE_NO_ELIGIBLE_REPLICA = "53R01";
    /**
     * SQLState of the error a read gets when no replica qualifies and no turn on the primary
     * came within {@code primaryFallbackWait} ({@link NoReplicaPolicy#PRIMARY}; the fallback
     * bulkhead admits {@code primaryFallbackConcurrency} reads at a time).
     */
    public static final String SQLSTATE_FALLBACK_SATURATED = "53R02";
    /**
     * SQLState when a node cannot serve: its circuit breaker is open, the monitor knows it is
     * down (a fallback read to a down primary fails with it at once), or its pool gave no
     * connection within the pool's connection timeout.
     */
    public static final String SQLSTATE_NODE_UNAVAILABLE = "08R01";

    /**
     * SQLState when a node's pool is at its cap ({@code maximumPoolSize}, every connection busy)
     * and none came free within the pool's {@code connectionTimeout}: the node is up but this
     * instance's budget on it is spent (class 53, insufficient resources; a pool does not take it
     * for a dead connection and the circuit breaker does not count it). A read in autocommit mode
     * is retried once on another node. See the README's "Connection budgets".
     */
    public static final String SQLSTATE_CONNECTION_CAP = "53R03";

    /**
     * SQLState of a call Strata does not support ({@code getConnection(user, password)}, an
     * unknown {@code unwrap} target, deprecated JDBC methods): class 0A, not {@code 0A000}, which
     * connection pools take for a dead connection.
     */
    public static final String SQLSTATE_NOT_SUPPORTED = "0AR01";

    private final ReplicaSet set;

    ReplicaSetDataSource(ReplicaSet set) {
        this.set = set;
    }

    /** A new builder. */
    public static ReplicaSetDataSourceBuilder builder() {
        return new ReplicaSetDataSourceBuilder();
    }

    /** The replica set's name (its key in a {@link ConsistencyToken}). */
    public String name() {
        return set.name();
    }

    /**
     * A new logical connection; no physical connection is borrowed until a statement runs.
     * It unwraps to {@link ReplicaSetConnection}.
     */
    @Override
    public Connection getConnection() throws SQLException {
        return set.connect();
    }

    /** Not supported: credentials are per data source. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException(
                "ReplicaSetDataSource takes credentials from its builder; call getConnection()",
                SQLSTATE_NOT_SUPPORTED);
    }

    /**
     * Sets {@code consistency} for reads through this data source on the current thread until
     * the returned scope is closed (overridden by a connection's explicit setting or an SQL hint).
     */
    public ConsistencyScope withConsistency(Consistency consistency) {
        return set.openScope(consistency);
    }

    /** Every node as the lag monitor sees it now. */
    public List<NodeState> nodeStates() {
        return set.nodeStates();
    }

    /** The name of the node writes go to now. */
    public String primaryName() {
        return set.primaryName();
    }

    /** The SQL classifier this data source routes with. */
    public SqlClassifier classifier() {
        return set.classifier();
    }

    /** Stops the lag monitor and closes every pool. */
    @Override
    public void close() {
        set.close();
    }

    @Override
    public @Nullable PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // Logging goes through slf4j.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // Connection timeouts are per pool (HikariCP connectionTimeout).
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("slf4j is used", SQLSTATE_NOT_SUPPORTED);
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("ReplicaSetDataSource does not wrap " + iface.getName(), SQLSTATE_NOT_SUPPORTED);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
