package io.strata.replication.internal;

import com.zaxxer.hikari.HikariPoolMXBean;
import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyToken;
import io.strata.replication.NodeRole;
import io.strata.replication.ReplicaSetConnection;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.replication.SqlClassifier;
import io.strata.replication.StatementKind;
import io.strata.replication.internal.jdbc.JdbcRefusal;
import io.strata.replication.internal.jdbc.UnsupportedConnection;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logical connection: binds physical connections (one per node at most) lazily and routes
 * each statement. Not thread-safe, like any JDBC connection.
 *
 * <p>Invariants: while a transaction is open ({@code txNode != null}) every statement goes to
 * {@code txNode}; a physical connection's autocommit flag is brought in line with the logical
 * one before each use; the commit LSN of a write on the primary is captured lazily (when a
 * read-your-writes read or {@link #token()} needs it, or at close) with one query on the
 * primary: any WAL position read after the commit is an upper bound of it.
 */
final class LogicalConnection extends UnsupportedConnection implements ReplicaSetConnection {

    /**
     * How this module's logical connections and statements refuse a JDBC method they do not
     * implement (today every method is implemented; this covers methods a later JDBC adds).
     */
    static final JdbcRefusal JDBC_REFUSAL = new JdbcRefusal(
            ReplicaSetDataSource.SQLSTATE_NOT_SUPPORTED, "a ReplicaSetDataSource connection does not support ", "");

    private static final Logger LOG = LoggerFactory.getLogger(LogicalConnection.class);

    static final String CAPTURE_SQL = "select (case when current_setting('synchronous_commit') = 'off' "
            + "then pg_current_wal_insert_lsn() else pg_current_wal_lsn() end - '0/0'::pg_lsn)::bigint";
    /** How often a read-your-writes read asks the replica it waits on for its replay position. */
    private static final long REPLAY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    static final String REPLAY_SQL =
            "select (coalesce(pg_last_wal_replay_lsn(), '0/0'::pg_lsn) - '0/0'::pg_lsn)::bigint";

    /** A physical connection bound to this logical one. */
    static final class Bound {
        final Node node;
        final Connection connection;
        boolean autoCommit = true;
        boolean readOnly;
        boolean dead;
        /** How many of the logical connection's recorded session settings this session has. */
        int applied;
        /** Whether session settings were changed on it: reset before it goes back to the pool. */
        boolean dirty;

        Bound(Node node, Connection connection) {
            this.node = node;
            this.connection = connection;
        }
    }

    /** Work on one physical connection. */
    interface Op<T> {
        T run(Bound bound) throws SQLException;
    }

    private final ReplicaSet set;
    private final ReadRouter router;
    private final List<Bound> bound = new ArrayList<>(3);
    private final List<LogicalStatement> statements = new ArrayList<>();

    private boolean closed;
    private boolean autoCommit = true;
    private boolean readOnly;
    private @Nullable Node txNode;
    private boolean txWrote;
    private @Nullable Node pendingCapture;
    /**
     * Where this connection's own last commit lies (the primary's WAL position read after it), -1
     * while it has written nothing, {@link ConsistencyToken#UNKNOWN_LSN} when that could not be
     * read. Reads at every level honour it (a connection reads its own writes, as on one server).
     */
    private long ownLsn = -1;

    private @Nullable Node sticky;
    /** Whether the last pickRead took a turn in the primary's fallback bulkhead (to be ended). */
    private boolean fallbackTurn;

    /**
     * Session settings applied through this logical connection, in order (SQL text as given):
     * replayed on every physical connection before its first statement.
     */
    private final List<String> sessionSql = new ArrayList<>();
    /** Session settings issued in the open transaction: recorded at commit, dropped at rollback. */
    private final List<String> txSessionSql = new ArrayList<>();
    /** Set once a session change Strata cannot replay was seen: every later read goes to the primary. */
    private boolean pinnedToPrimary;
    /** The session effect of the statement being run (marks the physical connection dirty). */
    private SessionSql.Effect running = SessionSql.Effect.NONE;
    /** At most this many settings are recorded; past it reads are pinned to the primary. */
    static final int MAX_RECORDED_SETTINGS = 1000;

    static final String RESET_SQL = "SET SESSION AUTHORIZATION DEFAULT; RESET ROLE; RESET ALL";

    private @Nullable Consistency explicit;
    private ConsistencyToken token = ConsistencyToken.empty();
    private @Nullable String lastNode;
    private int isolation = -1;
    private @Nullable String schema;
    private @Nullable String catalog;
    private int holdability = -1;
    private int networkTimeoutMs = -1;
    private @Nullable Executor networkTimeoutExecutor;
    private @Nullable Map<String, Class<?>> typeMap;
    private final Properties clientInfo = new Properties();

    LogicalConnection(ReplicaSet set) {
        super(JDBC_REFUSAL);
        this.set = set;
        this.router = set.router();
    }

    // ---- routing ---------------------------------------------------------------------------

    SqlClassifier classifier() {
        return set.classifier();
    }

    /**
     * Runs a statement whose text has session {@code effect}: settings go to the primary (or the
     * open transaction's node) and are recorded for replay once they succeeded; a change Strata
     * cannot replay pins later reads to the primary.
     */
    <T> T run(StatementKind kind, @Nullable Consistency hint, SessionSql.Effect effect, String sql, Op<T> op)
            throws SQLException {
        if (effect == SessionSql.Effect.NONE) {
            return run(kind, hint, op);
        }
        if (effect == SessionSql.Effect.UNSAFE) {
            pinnedToPrimary = true;
        }
        StatementKind k = effect == SessionSql.Effect.LOCAL ? kind : StatementKind.WRITE;
        running = effect;
        T result;
        try {
            result = run(k, hint, op);
        } finally {
            running = SessionSql.Effect.NONE;
        }
        if (effect == SessionSql.Effect.SESSION) {
            record(sql);
        }
        return result;
    }

    /** Records a session setting that succeeded on the node of the current statement. */
    private void record(String sql) {
        if (txNode != null) {
            txSessionSql.add(sql);
            return;
        }
        if (sessionSql.size() >= MAX_RECORDED_SETTINGS) {
            pinnedToPrimary = true;
            return;
        }
        sessionSql.add(sql);
        Node n = lastBoundNode;
        Bound b = n == null ? null : find(n);
        if (b != null && b.applied == sessionSql.size() - 1) {
            b.applied = sessionSql.size();
        }
    }

    private @Nullable Node lastBoundNode;

    /** Runs {@code op} where a statement of this kind and hint belongs; retries reads once. */
    <T> T run(StatementKind kind, @Nullable Consistency hint, Op<T> op) throws SQLException {
        checkOpen();
        if (!autoCommit) {
            Node n = txNode;
            Bound b;
            if (n == null) {
                n = readOnly ? pickRead(effective(hint), null) : writableNode();
                b = bind(n);
                n = b.node; // the primary when replaying settings on the chosen replica failed
                txNode = n;
            } else {
                b = find(n);
                if (b == null || b.dead) {
                    // Never continue a transaction on a fresh connection: its first part is gone.
                    txNode = null;
                    txWrote = false;
                    if (b != null) {
                        drop(b, true);
                    }
                    throw new SQLTransientConnectionException(
                            "replica set " + set.name()
                                    + ": the connection of the open transaction (node " + n.name() + ") was lost; "
                                    + "the transaction is rolled back",
                            "08003");
                }
                b = bind(n);
            }
            T result;
            try {
                result = execute(b, kind, op);
            } finally {
                endFallbackTurn();
            }
            if (kind == StatementKind.WRITE && n.role == NodeRole.PRIMARY && writesData()) {
                txWrote = true;
            }
            return result;
        }
        if (kind == StatementKind.WRITE) {
            Node p = writableNode();
            T result = execute(bind(p), kind, op);
            if (writesData()) {
                pendingCapture = p;
            }
            return result;
        }
        Consistency c = effective(hint);
        Node n = pickRead(c, null);
        Bound b = null;
        try {
            b = bind(n);
            return execute(b, kind, op);
        } catch (SQLException e) {
            endFallbackTurn();
            boolean connectionFailure = Faults.isConnectionFailure(e);
            boolean conflict = n.role != NodeRole.PRIMARY && Faults.isRecoveryConflict(e);
            boolean capped = b == null && ReplicaSetDataSource.SQLSTATE_CONNECTION_CAP.equals(e.getSQLState());
            if (!connectionFailure && !conflict && !capped) {
                throw e;
            }
            if (connectionFailure) {
                n.invalidate();
            }
            // A recovery conflict is the replay of a record the read's snapshot still needed; a
            // node that has not replayed that record yet would cancel the retry the same way.
            long floor = conflict && b != null ? replayedBy(b) : -1;
            if (b != null) {
                drop(b, true);
            } else {
                dropNode(n);
            }
            if (sticky == n) {
                sticky = null;
            }
            Node other;
            try {
                other = pickRead(c, n, floor);
            } catch (SQLException fallbackError) {
                fallbackError.addSuppressed(e);
                throw fallbackError;
            }
            if (other == n) {
                throw e; // nowhere else to go (a STRONG read on a failing primary)
            }
            set.retries().increment();
            LOG.debug(
                    "replica set {}: read on {} failed ({}), retrying on {}",
                    set.name(),
                    n.name(),
                    e.getMessage(),
                    other.name());
            try {
                return execute(bind(other), kind, op);
            } catch (SQLException second) {
                second.addSuppressed(e);
                throw second;
            }
        } finally {
            endFallbackTurn();
        }
    }

    private void endFallbackTurn() {
        if (fallbackTurn) {
            fallbackTurn = false;
            router.fallbackDone();
        }
    }

    private <T> T execute(Bound b, StatementKind kind, Op<T> op) throws SQLException {
        Node n = b.node;
        if (!n.breaker.tryAcquirePermission()) {
            throw new SQLTransientConnectionException(
                    "replica set " + set.name() + ": circuit breaker of node " + n.name() + " is open",
                    ReplicaSetDataSource.SQLSTATE_NODE_UNAVAILABLE);
        }
        long start = System.nanoTime();
        if (running == SessionSql.Effect.SESSION || running == SessionSql.Effect.UNSAFE) {
            b.dirty = true;
        }
        lastBoundNode = n;
        try {
            T result = op.run(b);
            n.breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            (kind == StatementKind.READ ? n.reads : n.writes).increment();
            lastNode = n.name();
            return result;
        } catch (SQLException | RuntimeException e) {
            n.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            if (Faults.isConnectionFailure(e)) {
                b.dead = true;
            }
            throw e;
        }
    }

    /**
     * Whether the running statement may have written data: not a lone {@code SET} / {@code RESET} /
     * {@code SET LOCAL} / {@code set_config(...)} with literals (sent to the primary or the open
     * transaction's node to take effect, but writing nothing, so it neither needs a commit position
     * captured nor sends this connection's reads to the primary).
     */
    private boolean writesData() {
        return running != SessionSql.Effect.SESSION && running != SessionSql.Effect.LOCAL;
    }

    private Consistency effective(@Nullable Consistency hint) {
        if (isolation == Connection.TRANSACTION_SERIALIZABLE) {
            // A hot standby refuses serializable mode ("cannot use serializable mode in a hot
            // standby"), and SERIALIZABLE read-only is only meaningful against the primary's
            // predicate locks anyway: such reads are STRONG, whatever else was asked.
            return Consistency.STRONG;
        }
        if (hint != null) {
            return hint;
        }
        return explicit != null ? explicit : set.inheritedConsistency();
    }

    private Node writableNode() {
        return set.primary();
    }

    /** The node for a read at {@code c}, never {@code exclude} unless it is the primary. */
    private Node pickRead(Consistency c, @Nullable Node exclude) throws SQLException {
        return pickRead(c, exclude, -1);
    }

    /**
     * The node for a read at {@code c}, not {@code exclude}; a replica must also have replayed
     * {@code floorLsn} (-1: no floor), else the read falls back to the primary.
     */
    private Node pickRead(Consistency c, @Nullable Node exclude, long floorLsn) throws SQLException {
        if (pinnedToPrimary || router.primaryOnly(c)) {
            return set.primary();
        }
        long required = -1;
        boolean rywWait = false;
        if (c.level() == Consistency.Level.READ_YOUR_WRITES) {
            required = requiredLsn();
            // An unknown commit LSN: no replica can be shown to hold the write, do not wait on one.
            rywWait = required >= 0 && required != ConsistencyToken.UNKNOWN_LSN;
        } else if (pendingCapture != null || ownLsn == ConsistencyToken.UNKNOWN_LSN) {
            // This connection wrote and where its commit lies is not known (not captured yet: no
            // query is spent on it here): only the primary is known to hold it. A weaker level
            // bounds how stale other sessions' data may be, never hides the session's own writes.
            return set.primary();
        } else if (ownLsn >= 0) {
            required = ownLsn; // a replica that has replayed this connection's writes, else the primary
        }
        required = Math.max(required, floorLsn);
        Node n = router.chooseReplica(c, required, exclude, sticky);
        if (n == null && rywWait && !set.config().readYourWritesWait().isZero()) {
            n = waitForReplay(c, required, exclude);
        }
        if (n == null && ownLsn >= 0 && c.level() != Consistency.Level.READ_YOUR_WRITES) {
            return set.primary(); // the session's own writes, not a replica shortage: no fallback turn
        }
        if (n == null) {
            endFallbackTurn();
            Node p = router.fallback(c, required);
            fallbackTurn = true;
            return p;
        }
        sticky = n;
        return n;
    }

    /**
     * Waits up to readYourWritesWait for the most advanced qualifying replica to replay
     * {@code lsn}, asking it directly (the monitor's view may be a poll behind).
     */
    private @Nullable Node waitForReplay(Consistency c, long lsn, @Nullable Node exclude) {
        Node n = router.closestToLsn(c, exclude);
        if (n == null) {
            return null;
        }
        Node reached = waitOn(n, lsn);
        (reached != null ? router.waitReached : router.waitExpired).increment();
        return reached;
    }

    private @Nullable Node waitOn(Node n, long lsn) {
        long wait = set.config().readYourWritesWait().toNanos();
        long deadline = System.nanoTime() + wait;
        Bound b = null;
        try {
            b = bind(n);
            Connection conn = b.connection;
            int before = conn.getNetworkTimeout();
            // A replica that freezes while we ask must not hold the read past the wait (plus the
            // time a node may take to answer): give up on it and fall back.
            int waitTimeout = (int) Math.min(
                    Integer.MAX_VALUE,
                    TimeUnit.NANOSECONDS.toMillis(wait)
                            + set.config().nodeTimeout().toMillis());
            conn.setNetworkTimeout(Runnable::run, waitTimeout);
            try (PreparedStatement ps = conn.prepareStatement(REPLAY_SQL)) {
                while (true) {
                    long replay;
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        replay = rs.getLong(1);
                    }
                    if (replay >= lsn) {
                        n.observedReplay(replay);
                        return n;
                    }
                    if (System.nanoTime() >= deadline) {
                        return null;
                    }
                    LockSupport.parkNanos(REPLAY_POLL_NANOS);
                }
            } finally {
                if (!b.dead) {
                    conn.setNetworkTimeout(Runnable::run, before);
                }
            }
        } catch (SQLException e) {
            if (b != null) {
                drop(b, Faults.isConnectionFailure(e));
            }
            return null;
        }
    }

    /**
     * What {@code b}'s replica has replayed, asked on its own connection after a recovery
     * conflict canceled a read there; {@link Long#MAX_VALUE} (no replica qualifies: the retry goes
     * to the primary) when it cannot tell.
     */
    private static long replayedBy(Bound b) {
        try (Statement st = b.connection.createStatement();
                ResultSet rs = st.executeQuery(REPLAY_SQL)) {
            return rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
        } catch (SQLException e) {
            return Long.MAX_VALUE;
        }
    }

    private long requiredLsn() throws SQLException {
        capturePending();
        return token.lsn(set.name()).orElse(-1);
    }

    /** Reads the primary's WAL position after commits on it, and adds it to the token. */
    private void capturePending() throws SQLException {
        Node p = pendingCapture;
        if (p == null) {
            return;
        }
        Bound found = find(p);
        boolean borrowed = found == null;
        Bound b = found != null ? found : bind(p);
        Connection c = b.connection;
        boolean toggle = txNode != p && !c.getAutoCommit();
        if (toggle) {
            c.setAutoCommit(true); // outside a transaction: no round trip, no BEGIN for our query
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(CAPTURE_SQL)) {
            rs.next();
            long lsn = rs.getLong(1);
            token = token.resolved(set.name(), lsn);
            ownLsn = lsn; // read after every earlier commit of this connection: at or past them all
            pendingCapture = null;
        } catch (SQLException e) {
            if (Faults.isConnectionFailure(e)) {
                drop(b, true);
            }
            throw e;
        } finally {
            if (toggle && !b.dead) {
                c.setAutoCommit(false);
            }
        }
    }

    // ---- physical connections -------------------------------------------------------------

    private @Nullable Bound find(Node n) {
        for (int i = 0, size = bound.size(); i < size; i++) {
            Bound b = bound.get(i);
            if (b.node == n) {
                return b;
            }
        }
        return null;
    }

    /** The physical connection to {@code n}, borrowed if needed, in the logical connection's mode. */
    Bound bind(Node n) throws SQLException {
        Bound b = find(n);
        if (b != null && b.dead) {
            drop(b, true); // broken earlier (outside a transaction): replace it
            b = null;
        }
        if (b == null) {
            Connection c = borrow(n);
            try {
                if (isolation >= 0) {
                    c.setTransactionIsolation(isolation);
                }
                if (schema != null) {
                    c.setSchema(schema);
                }
                if (catalog != null) {
                    c.setCatalog(catalog);
                }
                if (holdability >= 0) {
                    c.setHoldability(holdability);
                }
                if (networkTimeoutMs >= 0) {
                    c.setNetworkTimeout(networkTimeoutExecutor, networkTimeoutMs);
                } else if (!set.config().statementNetworkTimeout().isZero()) {
                    c.setNetworkTimeout(Runnable::run, (int) Math.min(
                            Integer.MAX_VALUE,
                            set.config().statementNetworkTimeout().toMillis()));
                }
                if (typeMap != null) {
                    c.setTypeMap(typeMap);
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            b = new Bound(n, c);
            bound.add(b);
        }
        if (b.applied < sessionSql.size()) {
            Bound replayed = replay(b);
            if (replayed != b) {
                return replayed;
            }
        }
        if (b.autoCommit != autoCommit) {
            b.connection.setAutoCommit(autoCommit);
            b.autoCommit = autoCommit;
        }
        boolean ro = !autoCommit && readOnly && n.role != NodeRole.PRIMARY;
        if (b.readOnly != ro) {
            b.connection.setReadOnly(ro);
            b.readOnly = ro;
        }
        return b;
    }

    /**
     * Brings the session settings recorded on this logical connection onto {@code b}'s session,
     * outside any transaction (so a rollback cannot undo them). If a replica refuses one, that
     * connection is evicted (its session is half set) and this logical connection's reads are
     * pinned to the primary, whose bound connection is returned instead.
     */
    private Bound replay(Bound b) throws SQLException {
        Connection c = b.connection;
        b.dirty = true;
        try {
            if (!b.autoCommit) {
                c.setAutoCommit(true);
                b.autoCommit = true;
            }
            try (Statement s = c.createStatement()) {
                while (b.applied < sessionSql.size()) {
                    s.execute(sessionSql.get(b.applied));
                    b.applied++;
                }
            }
            return b;
        } catch (SQLException e) {
            drop(b, true);
            if (b.node.role == NodeRole.PRIMARY || Faults.isConnectionFailure(e)) {
                throw e;
            }
            LOG.warn(
                    "replica set {}: replaying session settings on {} failed ({}); this connection's reads go to"
                            + " the primary",
                    set.name(),
                    b.node.name(),
                    e.toString());
            pinnedToPrimary = true;
            return bind(set.primary());
        }
    }

    /**
     * Undoes session settings on a physical connection about to go back to its pool (HikariCP
     * resets only the JDBC properties it tracks). Returns false when that failed: the connection
     * must then be evicted, never reused.
     */
    private static boolean resetSession(Bound b) {
        Connection c = b.connection;
        try {
            if (!c.getAutoCommit()) {
                c.rollback(); // a reset inside a transaction would be undone by the pool's rollback
                c.setAutoCommit(true);
            }
            try (Statement s = c.createStatement()) {
                s.execute(RESET_SQL);
            }
            return true;
        } catch (SQLException | RuntimeException e) {
            LOG.debug("resetting the session of a connection to {} failed: {}", b.node.name(), e.toString());
            return false;
        }
    }

    /** A pooled connection to {@code n}; a pool timeout becomes an SQLException with an SQLState. */
    private Connection borrow(Node n) throws SQLException {
        try {
            return n.pool.getConnection();
        } catch (SQLException e) {
            if (e.getSQLState() != null) {
                throw e;
            }
            // HikariCP's "Connection is not available, request timed out" carries no SQLState
            // unless the last connection attempt failed with one. With no failed attempt behind
            // it and every connection busy, the node is up and the per-node cap is reached: that
            // is load, not a dead node, so it gets a class-53 state (a pool or a circuit breaker
            // must not take it for a broken connection) and Hikari's exception is not its cause.
            HikariPoolMXBean mx = n.pool.getHikariPoolMXBean();
            if (e.getCause() == null && mx != null && mx.getActiveConnections() >= n.pool.getMaximumPoolSize()) {
                SQLTransientException capped = new SQLTransientException(
                        "replica set " + set.name() + ": node " + n.name() + " is at its connection cap ("
                                + n.pool.getMaximumPoolSize() + " connections, all busy) and none came free within "
                                + n.pool.getConnectionTimeout() + " ms; retry later, or raise the pool size "
                                + "within the server's max_connections (see the README's connection budget)",
                        ReplicaSetDataSource.SQLSTATE_CONNECTION_CAP);
                capped.addSuppressed(e);
                throw capped;
            }
            throw new SQLTransientConnectionException(
                    "replica set " + set.name() + ": node " + n.name() + " gave no connection within "
                            + n.pool.getConnectionTimeout() + " ms (pool of " + n.pool.getMaximumPoolSize()
                            + " exhausted or the node unreachable): " + e.getMessage(),
                    ReplicaSetDataSource.SQLSTATE_NODE_UNAVAILABLE,
                    e);
        }
    }

    private void drop(Bound b, boolean evict) {
        bound.remove(b);
        b.dead = true;
        try {
            if (evict) {
                b.node.pool.evictConnection(b.connection);
            } else {
                b.connection.close();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("closing a failed connection to {}: {}", b.node.name(), e.toString());
        }
        if (txNode == b.node) {
            txNode = null;
        }
    }

    private void dropNode(Node n) {
        Bound b = find(n);
        if (b != null) {
            drop(b, true);
        }
    }

    /** The physical connection of the current transaction, starting one if needed. */
    private Bound txBound() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("Cannot use savepoints when autoCommit is enabled.", "25P01");
        }
        Node n = txNode;
        if (n == null) {
            try {
                n = readOnly ? pickRead(effective(null), null) : writableNode();
            } finally {
                endFallbackTurn();
            }
        }
        Bound b = bind(n);
        txNode = b.node;
        return b;
    }

    /** A physical connection for metadata and object factories: the primary's. */
    private Connection anyPhysical() throws SQLException {
        checkOpen();
        if (txNode != null) {
            return bind(txNode).connection;
        }
        return bind(set.primary()).connection;
    }

    void forget(LogicalStatement s) {
        statements.remove(s);
    }

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("This connection has been closed.", "08003");
        }
    }

    // ---- ReplicaSetConnection --------------------------------------------------------------

    @Override
    public String replicaSetName() {
        return set.name();
    }

    @Override
    public void setConsistency(Consistency consistency) {
        this.explicit = consistency;
    }

    @Override
    public Consistency consistency() {
        return effective(null);
    }

    @Override
    public ConsistencyToken token() {
        if (pendingCapture != null && !closed) {
            try {
                capturePending();
            } catch (SQLException e) {
                // The write is acknowledged but where it lies is unknown: leaving the set out of
                // the token would let a read-your-writes read take any replica (a stale read seen
                // by the consistency checker when the primary froze right after an ack).
                token = token.with(set.name(), ConsistencyToken.UNKNOWN_LSN);
                ownLsn = ConsistencyToken.UNKNOWN_LSN;
                pendingCapture = null;
                LOG.warn(
                        "replica set {}: could not read the commit LSN ({}); read-your-writes reads of this set"
                                + " with this token go to the primary",
                        set.name(),
                        e.toString());
            }
        }
        return token;
    }

    @Override
    public void requireToken(ConsistencyToken required) {
        token = token.merge(required);
    }

    @Override
    public Optional<String> lastNode() {
        return Optional.ofNullable(lastNode);
    }

    // ---- Connection: statements -----------------------------------------------------------

    @Override
    public Statement createStatement() throws SQLException {
        return createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return createStatement(resultSetType, resultSetConcurrency, -1);
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        checkOpen();
        LogicalStatement s = new LogicalStatement(this, type, concurrency, holdability);
        statements.add(s);
        return s;
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepare(sql, c -> c.prepareStatement(sql), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, -1);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        return prepare(sql, c -> c.prepareStatement(sql, type, concurrency), type, concurrency, -1);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        return prepare(
                sql, c -> c.prepareStatement(sql, type, concurrency, holdability), type, concurrency, holdability);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return prepare(
                sql,
                c -> c.prepareStatement(sql, autoGeneratedKeys),
                ResultSet.TYPE_FORWARD_ONLY,
                ResultSet.CONCUR_READ_ONLY,
                -1);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return prepare(
                sql,
                c -> c.prepareStatement(sql, columnIndexes),
                ResultSet.TYPE_FORWARD_ONLY,
                ResultSet.CONCUR_READ_ONLY,
                -1);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return prepare(
                sql,
                c -> c.prepareStatement(sql, columnNames),
                ResultSet.TYPE_FORWARD_ONLY,
                ResultSet.CONCUR_READ_ONLY,
                -1);
    }

    private PreparedStatement prepare(
            String sql, LogicalPreparedStatement.Factory factory, int type, int concurrency, int holdability)
            throws SQLException {
        checkOpen();
        LogicalPreparedStatement s = new LogicalPreparedStatement(this, sql, factory, type, concurrency, holdability);
        statements.add(s);
        return s;
    }

    /** Stored procedures may write: always the primary (or the open transaction's node). */
    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return callable().prepareCall(sql);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
        return callable().prepareCall(sql, type, concurrency);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability) throws SQLException {
        return callable().prepareCall(sql, type, concurrency, holdability);
    }

    private Connection callable() throws SQLException {
        checkOpen();
        if (!autoCommit) {
            Bound b = txBound();
            if (b.node.role == NodeRole.PRIMARY) {
                txWrote = true;
            }
            b.dirty = true; // a procedure may change settings: reset before the pool reuses it
            return b.connection;
        }
        Node p = writableNode();
        pendingCapture = p;
        lastNode = p.name();
        Bound b = bind(p);
        b.dirty = true;
        return b.connection;
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        return anyPhysical().nativeSQL(sql);
    }

    // ---- Connection: transactions ---------------------------------------------------------

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        if (autoCommit == this.autoCommit) {
            return;
        }
        if (autoCommit && txNode != null) {
            commit(); // JDBC: switching autocommit on commits the open transaction
        }
        this.autoCommit = autoCommit;
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    @Override
    public void commit() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("Cannot commit when autoCommit is enabled.", "25P01");
        }
        Node n = txNode;
        if (n == null) {
            return;
        }
        Bound b = find(n);
        boolean wrote = txWrote;
        txNode = null;
        txWrote = false;
        List<String> settings = new ArrayList<>(txSessionSql);
        txSessionSql.clear();
        if (b == null) {
            throw new SQLException("the transaction's connection to " + n.name() + " was lost", "08003");
        }
        b.connection.commit();
        if (!settings.isEmpty()) {
            // PostgreSQL keeps a SET of a committed transaction for the session.
            int before = sessionSql.size();
            if (before + settings.size() > MAX_RECORDED_SETTINGS) {
                pinnedToPrimary = true;
            } else {
                sessionSql.addAll(settings);
                if (b.applied == before) {
                    b.applied = sessionSql.size();
                }
            }
        }
        if (wrote) {
            pendingCapture = n;
        }
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("Cannot rollback when autoCommit is enabled.", "25P01");
        }
        Node n = txNode;
        txNode = null;
        txWrote = false;
        txSessionSql.clear(); // PostgreSQL undoes a SET of a rolled-back transaction
        if (n != null) {
            Bound b = find(n);
            if (b != null) {
                b.connection.rollback();
            }
        }
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return txBound().connection.setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        return txBound().connection.setSavepoint(name);
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        txBound().connection.rollback(savepoint);
        if (!txSessionSql.isEmpty()) {
            // Which of the transaction's settings the savepoint undid is not tracked: stay on the
            // primary rather than replay a setting the session no longer has.
            pinnedToPrimary = true;
        }
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        txBound().connection.releaseSavepoint(savepoint);
    }

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        if (txNode != null && readOnly != this.readOnly) {
            throw new SQLException(
                    "Cannot change transaction read-only property in the middle of a transaction.", "25001");
        }
        this.readOnly = readOnly;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return readOnly;
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        if (txNode != null) {
            throw new SQLException(
                    "Cannot change transaction isolation level in the middle of a transaction.", "25001");
        }
        isolation = level;
        for (Bound b : bound) {
            b.connection.setTransactionIsolation(level);
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return isolation >= 0 ? isolation : Connection.TRANSACTION_READ_COMMITTED;
    }

    // ---- Connection: lifecycle --------------------------------------------------------------

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        if (pendingCapture != null) {
            try {
                capturePending();
            } catch (SQLException e) {
                LOG.debug("replica set {}: commit LSN not captured at close: {}", set.name(), e.toString());
            }
        }
        closed = true;
        for (LogicalStatement s : new ArrayList<>(statements)) {
            s.closeQuietly();
        }
        statements.clear();
        SQLException first = null;
        for (Bound b : bound) {
            try {
                if (b.dirty && !b.dead && !resetSession(b)) {
                    b.node.pool.evictConnection(b.connection); // never hand a tainted session on
                    continue;
                }
                b.connection.close(); // HikariCP rolls back an open transaction and resets state
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        bound.clear();
        txNode = null;
        if (first != null) {
            throw first;
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        for (Bound b : new ArrayList<>(bound)) {
            b.connection.abort(executor);
        }
        bound.clear();
        closed = true;
    }

    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (closed) {
            return false;
        }
        return set.primary().pool.isRunning();
    }

    // ---- Connection: settings replayed on every physical connection --------------------------

    @Override
    public void setCatalog(String catalog) throws SQLException {
        checkOpen();
        this.catalog = catalog;
        for (Bound b : bound) {
            b.connection.setCatalog(catalog);
        }
    }

    @Override
    public String getCatalog() throws SQLException {
        return catalog != null ? catalog : anyPhysical().getCatalog();
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        checkOpen();
        this.schema = schema;
        for (Bound b : bound) {
            b.connection.setSchema(schema);
        }
    }

    @Override
    public String getSchema() throws SQLException {
        return schema != null ? schema : anyPhysical().getSchema();
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        this.holdability = holdability;
        for (Bound b : bound) {
            b.connection.setHoldability(holdability);
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        return holdability >= 0 ? holdability : ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        this.networkTimeoutExecutor = executor;
        this.networkTimeoutMs = milliseconds;
        for (Bound b : bound) {
            b.connection.setNetworkTimeout(executor, milliseconds);
        }
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        return Math.max(0, networkTimeoutMs);
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return typeMap != null ? typeMap : new HashMap<>();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkOpen();
        this.typeMap = map;
        for (Bound b : bound) {
            b.connection.setTypeMap(map);
        }
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        clientInfo.setProperty(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        clientInfo.putAll(properties);
    }

    @Override
    public String getClientInfo(String name) {
        return clientInfo.getProperty(name);
    }

    @Override
    public Properties getClientInfo() {
        return (Properties) clientInfo.clone();
    }

    @Override
    public @Nullable SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
    }

    // ---- Connection: factories and metadata (need no particular node) ------------------------

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return anyPhysical().getMetaData();
    }

    @Override
    public Clob createClob() throws SQLException {
        return anyPhysical().createClob();
    }

    @Override
    public Blob createBlob() throws SQLException {
        return anyPhysical().createBlob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        return anyPhysical().createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return anyPhysical().createSQLXML();
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return anyPhysical().createArrayOf(typeName, elements);
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return anyPhysical().createStruct(typeName, attributes);
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLFeatureNotSupportedException(
                "a ReplicaSetDataSource connection unwraps only to " + ReplicaSetConnection.class.getName() + ", not "
                        + iface.getName(),
                ReplicaSetDataSource.SQLSTATE_NOT_SUPPORTED);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "ReplicaSetConnection[" + set.name() + ", bound="
                + bound.stream().map(b -> b.node.name()).toList() + "]";
    }
}
