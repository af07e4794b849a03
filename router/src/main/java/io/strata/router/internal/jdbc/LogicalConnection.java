package io.strata.router.internal.jdbc;

import io.micrometer.observation.Observation;
import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyToken;
import io.strata.replication.ReplicaSetConnection;
import io.strata.replication.internal.jdbc.UnsupportedConnection;
import io.strata.router.ShardHint;
import io.strata.router.ShardingConnection;
import io.strata.router.TransactionPolicy;
import io.strata.router.internal.SqlStates;
import io.strata.router.internal.execute.Execution;
import io.strata.router.internal.execute.Router;
import io.strata.router.internal.execute.Tracing;
import io.strata.router.internal.plan.Param;
import io.strata.router.internal.plan.Plan;
import io.strata.router.internal.plan.SqlText;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A logical connection over every shard. Physical connections (one per shard, from the shard's
 * {@code ReplicaSetDataSource}) are taken lazily and kept until close, so a transaction sees one
 * session per shard.
 *
 * <p>Transactions: with auto-commit off, each shard's physical connection runs its own transaction;
 * at {@link #commit} a transaction that wrote to one shard commits normally, one that wrote to
 * several commits by two-phase commit (or was refused earlier under {@link TransactionPolicy#REJECT}).
 * With auto-commit on, a single statement that writes to several shards runs as such a transaction
 * too. DDL in auto-commit mode runs on each shard on its own (CREATE INDEX CONCURRENTLY cannot
 * run in a transaction).
 *
 * <p>Concurrency: one thread at a time, like any JDBC connection.
 */
public final class LogicalConnection extends UnsupportedConnection implements ShardingConnection {

    public final Router router;
    public final Connection[] physical;
    /** Per shard: the physical connection is a ReplicaSetConnection (checked once, at open). */
    public final ReplicaSetConnection[] replicaSets;

    private final BitSet touched;
    /** The shards whose connection permit this logical connection holds (see ShardPermits). */
    private final BitSet permits;
    /** The shard for reads any shard can answer, once chosen; -1 before. */
    private int anyShard = -1;

    public final BitSet written;
    /**
     * The observation of the statement running now (null when tracing is off or none runs): the
     * explicit parent of its shard calls, which may run on executor threads.
     */
    public Observation observation;
    /**
     * The shard whose session holds this connection's latest nextval (so {@code lastval()} there is
     * what one database would answer), or -1 when unknown.
     */
    public int lastvalShard = -1;

    private final List<String> sessionCommands;
    private final List<LogicalSavepoint> savepoints;
    private final List<LogicalStatement> statements;
    public boolean autoCommit = true;
    private boolean readOnly;
    private int isolation = -1;
    private Consistency consistency;
    private ConsistencyToken required = ConsistencyToken.empty();
    private ConsistencyToken retained = ConsistencyToken.empty();
    private boolean closed;
    private int savepointCounter;

    private final Execution execution;
    /**
     * The working state above, borrowed from the router's pool and given back at close (see
     * {@link ConnectionStates}): every method that touches it checks {@code closed} first.
     */
    private final ConnectionStates.State state;
    /** False once {@link #abort} was called: the state then goes to the garbage collector. */
    private volatile boolean reuseState = true;

    @SuppressWarnings("unchecked") // the pooled list holds only this connection's savepoints
    public LogicalConnection(Router router) {
        super(SqlStates.JDBC_REFUSAL);
        this.router = router;
        this.state = router.connectionStates.take();
        this.physical = state.physical;
        this.replicaSets = state.replicaSets;
        this.touched = state.touched;
        this.permits = state.permits;
        this.written = state.written;
        this.sessionCommands = state.sessionCommands;
        this.savepoints = (List<LogicalSavepoint>) (List<?>) state.savepoints;
        this.statements = state.statements;
        this.execution = state.execution;
        execution.attach(this);
    }

    Router router() {
        return router;
    }

    // ---------------------------------------------------------------- physical connections

    public Connection shard(int index) throws SQLException {
        checkOpen();
        Connection c = physical[index];
        if (c == null) {
            router.permits.acquire(index, permits);
            try {
                c = router.shards.get(index).getConnection();
            } catch (SQLException | RuntimeException e) {
                router.permits.release(index, permits);
                throw e;
            }
            try {
                if (c.isWrapperFor(ReplicaSetConnection.class)) {
                    ReplicaSetConnection rs = c.unwrap(ReplicaSetConnection.class);
                    replicaSets[index] = rs;
                    if (consistency != null) {
                        rs.setConsistency(consistency);
                    }
                    if (!required.isEmpty()) {
                        rs.requireToken(required);
                    }
                }
                if (isolation >= 0) {
                    c.setTransactionIsolation(isolation);
                }
                if (readOnly) {
                    c.setReadOnly(true);
                }
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                if (!sessionCommands.isEmpty()) {
                    try (Statement st = c.createStatement()) {
                        for (String command : sessionCommands) {
                            st.execute(command);
                        }
                    }
                }
                if (!autoCommit) {
                    c.setAutoCommit(false);
                }
            } catch (SQLException e) {
                c.close();
                router.permits.release(index, permits);
                throw e;
            }
            physical[index] = c;
        }
        if (!autoCommit) {
            touched.set(index);
        }
        return c;
    }

    /**
     * Takes the connections of every shard in {@code shards} this connection does not hold yet:
     * their permits all or none, in shard order (so statements scattering at once cannot hold what
     * each other waits for), then the connections themselves, in the same order.
     */
    public void open(BitSet shards) throws SQLException {
        checkOpen();
        if (shards.cardinality() > 1) {
            router.permits.acquire(shards, permits);
        }
        try {
            for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
                shard(s);
            }
        } catch (SQLException | RuntimeException e) {
            for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
                if (physical[s] == null) {
                    router.permits.release(s, permits);
                }
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- execution

    public int hintShard(Plan plan) throws SQLException {
        String shard = plan.hints().get("shard");
        if (shard == null) {
            shard = ShardHint.currentShard().orElse(null);
        }
        return shard == null ? -1 : router.shardIndex(shard);
    }

    public Consistency hintConsistency(Plan plan) {
        Map<String, String> hints = plan.hints();
        try {
            if (hints.containsKey("consistency")) {
                return Consistency.parse(hints.get("consistency"));
            }
            if (hints.containsKey("staleness")) {
                return Consistency.boundedStaleness(parseDuration(hints.get("staleness")));
            }
        } catch (IllegalArgumentException e) {
            // the replica set reports malformed hints on the statement itself
            return null;
        }
        return ShardHint.currentConsistency().orElse(null);
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        return Duration.parse(text);
    }

    /** Whether this transaction has touched no shard and set no savepoint (its first statement). */
    public boolean untouched() {
        return touched.isEmpty() && savepoints.isEmpty();
    }

    /**
     * Rolls back what the failed first statement of a transaction touched and starts the
     * transaction afresh (online resharding retries such a statement on the slot's new owner).
     */
    public void restartUntouchedTransaction() throws SQLException {
        SQLException first = null;
        for (int s = touched.nextSetBit(0); s >= 0; s = touched.nextSetBit(s + 1)) {
            try {
                if (physical[s] != null && !physical[s].isClosed()) {
                    physical[s].rollback();
                }
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        endTransaction();
        if (first != null) {
            throw first;
        }
    }

    public int anyShard() {
        // Reads that any shard can answer (broadcast tables, catalog queries) stay on a shard this
        // transaction already uses; otherwise on one shard chosen at random per connection, so
        // that broadcast reads spread over every shard's replicas instead of piling onto shard 0.
        int open = touched.nextSetBit(0);
        if (open >= 0) {
            return open;
        }
        if (anyShard < 0) {
            anyShard = java.util.concurrent.ThreadLocalRandom.current().nextInt(physical.length);
        }
        return anyShard;
    }

    /** Runs a planned statement (see {@link Execution#execute}). */
    Execution.Outcome execute(LogicalStatement owner, Plan plan, Param[] params, Execution.Keys keys)
            throws SQLException {
        Observation traced = router.tracing.statement(plan, false);
        if (traced == null) {
            return execution.execute(owner, plan, params, keys);
        }
        Observation outer = observation;
        observation = traced;
        Throwable failure = null;
        try (Observation.Scope scope = traced.openScope()) {
            return execution.execute(owner, plan, params, keys);
        } catch (SQLException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            observation = outer;
            Tracing.end(traced, failure);
        }
    }

    /** Runs a PreparedStatement batch (see {@link Execution#executeBatch}). */
    Execution.Batch executeBatch(LogicalStatement owner, Plan plan, List<Param[]> batch, Execution.Keys keys)
            throws SQLException {
        Observation traced = router.tracing.statement(plan, true);
        if (traced == null) {
            return execution.executeBatch(owner, plan, batch, keys);
        }
        Observation outer = observation;
        observation = traced;
        Throwable failure = null;
        try (Observation.Scope scope = traced.openScope()) {
            return execution.executeBatch(owner, plan, batch, keys);
        } catch (SQLException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            observation = outer;
            Tracing.end(traced, failure);
        }
    }

    public void checkWrite(BitSet targets, boolean ddl) throws SQLException {
        // As pgjdbc (readOnlyMode=transaction, its default): read-only only binds a transaction;
        // in auto-commit mode a write still runs.
        if (readOnly && !autoCommit) {
            throw new SQLException(
                    "Strata: cannot write in a read-only transaction; call setReadOnly(false) first", "25006");
        }
        if (router.policy == TransactionPolicy.REJECT && !ddl) {
            BitSet all = new BitSet();
            all.or(targets);
            if (!autoCommit) {
                all.or(written);
            }
            if (all.cardinality() > 1) {
                throw new SQLException(
                        "Strata: the " + (autoCommit ? "statement" : "transaction")
                                + " would write to several shards " + shardList(all) + " and the transaction policy is"
                                + " REJECT; nothing was written by this statement. Use TransactionPolicy.TWO_PHASE or keep"
                                + " writes within one shard.",
                        SqlStates.CROSS_SHARD_TX);
            }
        }
        if (!autoCommit) {
            for (LogicalSavepoint sp : savepoints) {
                if (sp.shard >= 0) {
                    for (int s = targets.nextSetBit(0); s >= 0; s = targets.nextSetBit(s + 1)) {
                        if (s != sp.shard) {
                            throw new SQLException(
                                    "Strata: savepoint " + sp.label() + " belongs to shard "
                                            + router.shardNames.get(sp.shard) + " and this write reaches shard "
                                            + router.shardNames.get(s) + "; savepoints work within one shard.",
                                    SqlStates.CROSS_SHARD_TX);
                        }
                    }
                } else if (targets.cardinality() > 1) {
                    throw new SQLException(
                            "Strata: a savepoint is set and this write reaches several shards " + shardList(targets)
                                    + "; savepoints work within one shard.",
                            SqlStates.CROSS_SHARD_TX);
                }
            }
        }
    }

    private String shardList(BitSet shards) {
        List<String> out = new ArrayList<>();
        for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
            out.add(router.shardNames.get(s));
        }
        return out.toString();
    }

    public void session(String sql) throws SQLException {
        String upper = SqlText.stripComments(sql).trim().toUpperCase(Locale.ROOT);
        boolean transactionScoped = upper.startsWith("SET LOCAL")
                || upper.startsWith("SET TRANSACTION")
                || upper.startsWith("SET SESSION CHARACTERISTICS");
        int open = 0;
        for (int s = 0; s < physical.length; s++) {
            if (physical[s] != null) {
                try (Statement st = physical[s].createStatement()) {
                    st.execute(sql);
                }
                open++;
            }
        }
        if (!transactionScoped) {
            sessionCommands.add(sql);
        }
        if (open == 0 && transactionScoped) {
            throw new SQLException(
                    "Strata: " + sql + " applies to a transaction that has not reached a shard yet;"
                            + " use Connection.setTransactionIsolation / setReadOnly instead",
                    SqlStates.TEXT_TX_CONTROL);
        }
    }

    // ---------------------------------------------------------------- transactions

    public void commitShards(BitSet writtenShards, BitSet touchedShards) throws SQLException {
        List<Connection> writers = new ArrayList<>();
        for (int s = touchedShards.nextSetBit(0); s >= 0; s = touchedShards.nextSetBit(s + 1)) {
            if (!writtenShards.get(s) && physical[s] != null) {
                physical[s].commit(); // read-only participants
            }
        }
        int[] writerShards = new int[writtenShards.cardinality()];
        for (int s = writtenShards.nextSetBit(0); s >= 0; s = writtenShards.nextSetBit(s + 1)) {
            writerShards[writers.size()] = s;
            writers.add(physical[s]);
        }
        if (writers.size() <= 1) {
            for (Connection c : writers) {
                c.commit();
            }
            return;
        }
        if (router.twoPhase == null) {
            throw new SQLException(
                    "Strata: the transaction wrote to several shards and two-phase commit is off",
                    SqlStates.CROSS_SHARD_TX);
        }
        router.twoPhase.commit(writerShards, writers);
    }

    @Override
    public void commit() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("Strata: cannot commit when autoCommit is enabled", "25P01");
        }
        try {
            commitShards(written, touched);
        } catch (SQLException e) {
            rollbackQuietly(e);
            throw e;
        } finally {
            endTransaction();
        }
    }

    private void rollbackQuietly(SQLException cause) {
        for (int s = touched.nextSetBit(0); s >= 0; s = touched.nextSetBit(s + 1)) {
            try {
                if (physical[s] != null && !physical[s].isClosed()) {
                    physical[s].rollback();
                }
            } catch (SQLException e) {
                cause.addSuppressed(e);
            }
        }
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("Strata: cannot rollback when autoCommit is enabled", "25P01");
        }
        SQLException first = null;
        for (int s = touched.nextSetBit(0); s >= 0; s = touched.nextSetBit(s + 1)) {
            try {
                physical[s].rollback();
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        endTransaction();
        if (first != null) {
            throw first;
        }
    }

    private void endTransaction() {
        touched.clear();
        written.clear();
        savepoints.clear();
    }

    @Override
    public void setAutoCommit(boolean value) throws SQLException {
        checkOpen();
        if (value == autoCommit) {
            return;
        }
        if (value) {
            commit(); // JDBC: switching auto-commit on commits the open transaction
        }
        autoCommit = value;
        for (Connection c : physical) {
            if (c != null) {
                c.setAutoCommit(value);
            }
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    @Override
    public void setReadOnly(boolean value) throws SQLException {
        checkOpen();
        readOnly = value;
        for (Connection c : physical) {
            if (c != null) {
                c.setReadOnly(value);
            }
        }
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return readOnly;
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        if (level != TRANSACTION_READ_UNCOMMITTED
                && level != TRANSACTION_READ_COMMITTED
                && level != TRANSACTION_REPEATABLE_READ
                && level != TRANSACTION_SERIALIZABLE) {
            throw new SQLException("Strata: unsupported transaction isolation level " + level, "22023");
        }
        isolation = level;
        for (Connection c : physical) {
            if (c != null) {
                c.setTransactionIsolation(level);
            }
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return isolation < 0 ? TRANSACTION_READ_COMMITTED : isolation;
    }

    // ---------------------------------------------------------------- savepoints

    /** A savepoint bound to one shard (or still unbound: no write since it was set). */
    private final class LogicalSavepoint implements Savepoint {
        final int id;
        final String name;
        int shard = -1;
        Savepoint physicalSavepoint;

        LogicalSavepoint(int id, String name) {
            this.id = id;
            this.name = name;
        }

        String label() {
            return name != null ? name : String.valueOf(id);
        }

        @Override
        public int getSavepointId() throws SQLException {
            if (name != null) {
                throw new SQLException("Strata: this is a named savepoint", "3B000");
            }
            return id;
        }

        @Override
        public String getSavepointName() throws SQLException {
            if (name == null) {
                throw new SQLException("Strata: this is an unnamed savepoint", "3B000");
            }
            return name;
        }

        void bind(int s, Connection c) throws SQLException {
            shard = s;
            physicalSavepoint = name == null ? c.setSavepoint() : c.setSavepoint(name);
        }
    }

    public void bindSavepoints(int shard, Connection c) throws SQLException {
        for (LogicalSavepoint sp : savepoints) {
            if (sp.shard < 0) {
                sp.bind(shard, c);
            }
        }
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return savepoint(null);
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        if (name == null) {
            throw new SQLException("Strata: savepoint name cannot be null", "22004");
        }
        return savepoint(name);
    }

    private Savepoint savepoint(String name) throws SQLException {
        checkOpen();
        if (autoCommit) {
            throw new SQLException("Strata: cannot set a savepoint when autoCommit is enabled", "25P01");
        }
        LogicalSavepoint sp = new LogicalSavepoint(++savepointCounter, name);
        if (written.cardinality() > 1) {
            throw new SQLException(
                    "Strata: this transaction already wrote to several shards " + shardList(written)
                            + "; savepoints work within one shard.",
                    SqlStates.CROSS_SHARD_TX);
        }
        if (written.cardinality() == 1) {
            int s = written.nextSetBit(0);
            sp.bind(s, physical[s]);
        }
        savepoints.add(sp);
        return sp;
    }

    private LogicalSavepoint own(Savepoint savepoint) throws SQLException {
        for (LogicalSavepoint sp : savepoints) {
            if (sp == savepoint) {
                return sp;
            }
        }
        throw new SQLException("Strata: unknown or released savepoint", "3B001");
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        checkOpen();
        LogicalSavepoint sp = own(savepoint);
        if (sp.physicalSavepoint != null) {
            physical[sp.shard].rollback(sp.physicalSavepoint);
        }
        // Savepoints set after this one are gone (PostgreSQL semantics); this one stays.
        int at = savepoints.indexOf(sp);
        savepoints.subList(at + 1, savepoints.size()).clear();
        if (sp.physicalSavepoint == null) {
            return;
        }
        // Writes after the savepoint are undone, but the shard stays part of the transaction.
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        checkOpen();
        LogicalSavepoint sp = own(savepoint);
        if (sp.physicalSavepoint != null) {
            physical[sp.shard].releaseSavepoint(sp.physicalSavepoint);
        }
        int at = savepoints.indexOf(sp);
        savepoints.subList(at, savepoints.size()).clear();
    }

    // ---------------------------------------------------------------- statements

    @Override
    public Statement createStatement() throws SQLException {
        checkOpen();
        return register(new LogicalStatement(this));
    }

    @Override
    public Statement createStatement(int type, int concurrency) throws SQLException {
        checkCursor(type, concurrency);
        return createStatement();
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        checkCursor(type, concurrency);
        return createStatement();
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        checkOpen();
        return register(new LogicalPreparedStatement(this, router.planner.plan(sql), Execution.Keys.NONE));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        checkCursor(type, concurrency);
        return prepareStatement(sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        checkCursor(type, concurrency);
        return prepareStatement(sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        checkOpen();
        return register(new LogicalPreparedStatement(
                this, router.planner.plan(sql), new Execution.Keys(autoGeneratedKeys, null, null)));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        checkOpen();
        return register(new LogicalPreparedStatement(
                this,
                router.planner.plan(sql),
                new Execution.Keys(Statement.NO_GENERATED_KEYS, columnIndexes.clone(), null)));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        checkOpen();
        return register(new LogicalPreparedStatement(
                this,
                router.planner.plan(sql),
                new Execution.Keys(Statement.NO_GENERATED_KEYS, null, columnNames.clone())));
    }

    private static void checkCursor(int type, int concurrency) throws SQLException {
        if (type != ResultSet.TYPE_FORWARD_ONLY || concurrency != ResultSet.CONCUR_READ_ONLY) {
            throw new java.sql.SQLFeatureNotSupportedException(
                    "Strata: only forward-only, read-only result sets are supported", SqlStates.UNSUPPORTED_JDBC);
        }
    }

    private <T extends LogicalStatement> T register(T statement) {
        statements.add(statement);
        return statement;
    }

    void forget(LogicalStatement statement) {
        statements.remove(statement);
    }

    /** Parameter slots for a new prepared statement (pooled with this connection's state). */
    Param[] takeParams(int n) {
        return state.takeParams(n);
    }

    /** An empty parameter slot (pooled with this connection's state). */
    Param takeParam() {
        return state.takeParam();
    }

    /** Takes back a closed statement's parameter slots (while this connection is open). */
    void giveParams(Param[] params) {
        if (!closed) {
            state.giveParams(params);
        }
    }

    @Override
    public String nativeSQL(String sql) {
        return sql;
    }

    // ---------------------------------------------------------------- ShardingConnection

    @Override
    public void setConsistency(Consistency value) {
        consistency = value;
        if (closed) {
            return;
        }
        for (ReplicaSetConnection rs : replicaSets) {
            if (rs != null) {
                rs.setConsistency(value);
            }
        }
    }

    @Override
    public Consistency consistency() {
        return consistency;
    }

    @Override
    public ConsistencyToken token() {
        ConsistencyToken t = retained.merge(required);
        if (closed) {
            return t; // the replica sets' tokens were retained at close
        }
        for (ReplicaSetConnection rs : replicaSets) {
            if (rs != null) {
                t = t.merge(rs.token());
            }
        }
        return t;
    }

    @Override
    public void requireToken(ConsistencyToken token) {
        required = required.merge(token);
        if (closed) {
            return;
        }
        for (ReplicaSetConnection rs : replicaSets) {
            if (rs != null) {
                rs.requireToken(token);
            }
        }
    }

    @Override
    public List<String> openShards() {
        List<String> out = new ArrayList<>();
        if (closed) {
            return out;
        }
        for (int s = 0; s < physical.length; s++) {
            if (physical[s] != null) {
                out.add(router.shardNames.get(s));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- misc

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return LogicalMetaData.of(shard(0).getMetaData(), this, router.url);
    }

    @Override
    public String getCatalog() throws SQLException {
        return shard(0).getCatalog();
    }

    @Override
    public void setCatalog(String catalog) {
        // PostgreSQL ignores catalogs; so does pgjdbc
    }

    @Override
    public String getSchema() throws SQLException {
        return shard(0).getSchema();
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        session("SET search_path TO " + quoteIdentifier(schema));
    }

    private static String quoteIdentifier(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    @Override
    public int getHoldability() {
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public void setHoldability(int holdability) {}

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
    }

    @Override
    public Map<String, Class<?>> getTypeMap() {
        return new java.util.HashMap<>();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) {}

    @Override
    public java.sql.Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return shard(anyShard()).createArrayOf(typeName, elements);
    }

    @Override
    public java.sql.Clob createClob() throws SQLException {
        return shard(anyShard()).createClob();
    }

    @Override
    public java.sql.Blob createBlob() throws SQLException {
        return shard(anyShard()).createBlob();
    }

    /**
     * Whether every shard this connection may use can take a statement now. Any statement may
     * reach any shard, so every shard counts, bound or not (before, a connection that had bound
     * nothing answered true with every primary down, and pools and health checks kept it). A shard
     * is valid when its primary is reachable: for a replica set, the lag monitor's current view of
     * the primary (up, circuit closed), plus {@code isValid} of the physical connection if one is
     * bound; for another data source, {@code isValid} of the bound connection or of a borrowed one.
     * A replica that is down does not make the connection invalid (reads fall back).
     */
    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) {
            throw new SQLException("Strata: isValid timeout must be 0 or more seconds but was " + timeout, "22023");
        }
        if (closed) {
            return false;
        }
        for (int s = 0; s < physical.length; s++) {
            if (!shardValid(s, timeout)) {
                return false;
            }
        }
        return true;
    }

    private boolean shardValid(int s, int timeout) {
        javax.sql.DataSource ds = router.shards.get(s);
        try {
            if (ds.isWrapperFor(io.strata.replication.ReplicaSetDataSource.class)) {
                io.strata.replication.ReplicaSetDataSource set =
                        ds.unwrap(io.strata.replication.ReplicaSetDataSource.class);
                String primary = set.primaryName();
                boolean primaryUp = false;
                for (io.strata.replication.NodeState node : set.nodeStates()) {
                    if (node.name().equals(primary)) {
                        primaryUp = node.up() && !node.circuitOpen();
                    }
                }
                return primaryUp && (physical[s] == null || physical[s].isValid(timeout));
            }
            if (physical[s] != null) {
                return physical[s].isValid(timeout);
            }
            try (Connection c = ds.getConnection()) {
                return c.isValid(timeout);
            }
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void setClientInfo(String name, String value) {}

    @Override
    public void setClientInfo(java.util.Properties properties) {}

    @Override
    public String getClientInfo(String name) {
        return null;
    }

    @Override
    public java.util.Properties getClientInfo() {
        return new java.util.Properties();
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        // abort() is meant to be called from another thread while the owner may still be inside a
        // call: that call may still touch this connection's state, so it is never pooled again.
        reuseState = false;
        close();
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        for (Connection c : physical) {
            if (c != null) {
                c.setNetworkTimeout(executor, milliseconds);
            }
        }
    }

    @Override
    public int getNetworkTimeout() {
        return 0;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        SQLException first = null;
        while (!statements.isEmpty()) {
            // Taken off the list first: a statement's close forgets it, and must not loop here.
            LogicalStatement st = statements.remove(statements.size() - 1);
            try {
                st.close();
            } catch (SQLException e) {
                first = first == null ? e : first;
            }
        }
        if (!autoCommit && !touched.isEmpty()) {
            // JDBC leaves this to the driver; like pgjdbc, an open transaction is rolled back.
            for (int s = touched.nextSetBit(0); s >= 0; s = touched.nextSetBit(s + 1)) {
                try {
                    physical[s].rollback();
                } catch (SQLException e) {
                    first = first == null ? e : first;
                }
            }
        }
        boolean anyReplicaSet = false;
        for (ReplicaSetConnection rs : replicaSets) {
            anyReplicaSet |= rs != null;
        }
        if (anyReplicaSet) {
            retained = token();
        }
        closed = true;
        for (int s = 0; s < physical.length; s++) {
            if (physical[s] != null) {
                try {
                    if (!sessionCommands.isEmpty()) {
                        try (Statement st = physical[s].createStatement()) {
                            st.execute("RESET ALL");
                        }
                    }
                    physical[s].close();
                } catch (SQLException e) {
                    first = first == null ? e : first;
                }
                physical[s] = null;
                replicaSets[s] = null;
            }
        }
        router.permits.releaseAll(permits);
        touched.clear();
        written.clear();
        sessionCommands.clear();
        savepoints.clear();
        if (reuseState) {
            execution.attach(null);
            router.connectionStates.give(state);
        }
        if (first != null) {
            throw first;
        }
    }

    public void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Strata: the connection is closed", "08003");
        }
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException(
                "Strata: not a wrapper for " + iface.getName() + "; unwrap to ShardingConnection", "22023");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
