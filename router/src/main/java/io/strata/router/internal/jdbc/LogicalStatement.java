package io.strata.router.internal.jdbc;

import io.strata.replication.internal.jdbc.UnsupportedStatement;
import io.strata.router.internal.SqlStates;
import io.strata.router.internal.execute.Execution;
import io.strata.router.internal.merge.OrderedResult;
import io.strata.router.internal.plan.Param;
import io.strata.router.internal.plan.Plan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A logical {@link Statement}: each execution is planned, routed and run on physical statements of
 * the shards it reaches (kept per shard and SQL text while this statement is open, so repeated
 * executions and batches reuse them).
 */
public class LogicalStatement extends UnsupportedStatement {

    final LogicalConnection connection;
    // Thread-safe: cancel() may be called from another thread while a statement runs.
    private final PhysicalStatements physical = new PhysicalStatements();
    /** The SQL of {@code addBatch(String)}, made on first use (most statements never batch). */
    private List<String> textBatch;

    ResultSet resultSet;
    long updateCount = -1;
    ResultSet generatedKeys;
    /** Why the last execution has no generated keys though they were asked for, or null. */
    String noKeys;

    private int fetchSize;
    private int queryTimeout;
    private long maxRows;
    private boolean closed;
    private boolean closeOnCompletion;
    private boolean escapeProcessing = true;
    /** Set by cancel() from another thread: shard calls of the running execution not started yet do not start. */
    private volatile boolean cancelled;

    LogicalStatement(LogicalConnection connection) {
        super(SqlStates.JDBC_REFUSAL);
        this.connection = connection;
    }

    /** The physical statement for a shard call, created on first use. */
    public Statement physical(int shard, Connection c, String sql, boolean prepared, Execution.Keys keys)
            throws SQLException {
        return physical(shard, c, sql, prepared, keys, false);
    }

    /** A plain statement's physical statement whose results can be counted before they are read. */
    private static final String COUNTED = "\u0000counted";

    /**
     * The physical statement for a shard call, created on first use; {@code counted}: its result
     * sets are scrollable, so the rows a shard returned can be counted before any is read (a split
     * INSERT ... RETURNING, checked before its auto-commit two-phase commit).
     */
    public Statement physical(
            int shard, Connection c, String sql, boolean prepared, Execution.Keys keys, boolean counted)
            throws SQLException {
        // A plain statement runs any SQL on one physical statement per shard: its key has no text.
        String key = prepared ? sql : counted ? COUNTED : null;
        Statement st;
        synchronized (physical) {
            st = physical.find(shard, key);
            if (st == null || st.isClosed()) {
                if (counted && !prepared) {
                    st = c.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY);
                } else if (counted) {
                    st = c.prepareStatement(sql, ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY);
                } else if (!prepared) {
                    st = c.createStatement();
                } else if (keys.columnIndexes() != null) {
                    st = c.prepareStatement(sql, keys.columnIndexes());
                } else if (keys.columnNames() != null) {
                    st = c.prepareStatement(sql, keys.columnNames());
                } else if (keys.requested()) {
                    st = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS);
                } else {
                    st = c.prepareStatement(sql);
                }
                physical.put(shard, key, st);
            }
        }
        if (fetchSize > 0) {
            st.setFetchSize(fetchSize);
        }
        if (queryTimeout > 0) {
            st.setQueryTimeout(queryTimeout);
        }
        if (maxRows > 0) {
            st.setLargeMaxRows(maxRows);
        }
        if (!escapeProcessing) {
            st.setEscapeProcessing(false);
        }
        return st;
    }

    void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Strata: the statement is closed", "HY010");
        }
        connection.checkOpen();
    }

    void reset() throws SQLException {
        if (resultSet != null) {
            ResultSet r = resultSet;
            resultSet = null;
            if (!r.isClosed()) {
                r.close();
            }
        }
        generatedKeys = null;
        noKeys = null;
        updateCount = -1;
    }

    boolean run(Plan plan, Param[] params, Execution.Keys keys) throws SQLException {
        checkOpen();
        reset();
        cancelled = false;
        if (plan.recursive != null && connection.hintShard(plan) < 0) {
            IntermediateResults.Filled filled = IntermediateResults.fill(connection, plan.recursive, params);
            return run(filled.plan(), filled.params(), keys);
        }
        Execution.Outcome outcome = connection.execute(this, plan, params, keys);
        resultSet = outcome.resultSet;
        updateCount = outcome.resultSet == null ? outcome.updateCount : -1;
        generatedKeys = outcome.generatedKeys;
        return resultSet != null;
    }

    ResultSet query(Plan plan, Param[] params) throws SQLException {
        if (!run(plan, params, Execution.Keys.NONE)) {
            throw new SQLException("Strata: no results were returned by the query", "02000");
        }
        return resultSet;
    }

    long update(Plan plan, Param[] params, Execution.Keys keys) throws SQLException {
        if (run(plan, params, keys)) {
            throw new SQLException("Strata: a result was returned when none was expected", "0100E");
        }
        return updateCount;
    }

    private Plan plan(String sql) throws SQLException {
        checkOpen();
        return connection.router().planner.plan(sql);
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return query(plan(sql), null);
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        return (int) update(plan(sql), null, Execution.Keys.NONE);
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        return update(plan(sql), null, Execution.Keys.NONE);
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        return (int) update(plan(sql), null, new Execution.Keys(autoGeneratedKeys, null, null));
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        return (int) update(plan(sql), null, new Execution.Keys(NO_GENERATED_KEYS, columnIndexes, null));
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        return (int) update(plan(sql), null, new Execution.Keys(NO_GENERATED_KEYS, null, columnNames));
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        return run(plan(sql), null, Execution.Keys.NONE);
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        return run(plan(sql), null, new Execution.Keys(autoGeneratedKeys, null, null));
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        return run(plan(sql), null, new Execution.Keys(NO_GENERATED_KEYS, columnIndexes, null));
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        return run(plan(sql), null, new Execution.Keys(NO_GENERATED_KEYS, null, columnNames));
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        checkOpen();
        if (textBatch == null) {
            textBatch = new ArrayList<>();
        }
        textBatch.add(sql);
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        if (textBatch != null) {
            textBatch.clear();
        }
    }

    @Override
    public int[] executeBatch() throws SQLException {
        long[] counts = executeLargeBatch();
        int[] out = new int[counts.length];
        for (int i = 0; i < counts.length; i++) {
            out[i] = (int) counts[i];
        }
        return out;
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        checkOpen();
        if (textBatch == null) {
            textBatch = new ArrayList<>();
        }
        long[] counts = new long[textBatch.size()];
        try {
            for (int i = 0; i < textBatch.size(); i++) {
                counts[i] = update(plan(textBatch.get(i)), null, Execution.Keys.NONE);
            }
        } catch (SQLException e) {
            throw new java.sql.BatchUpdateException(e.getMessage(), e.getSQLState(), e.getErrorCode(), counts, e);
        } finally {
            textBatch.clear();
        }
        return counts;
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        checkOpen();
        return resultSet;
    }

    @Override
    public int getUpdateCount() throws SQLException {
        checkOpen();
        return (int) updateCount;
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        checkOpen();
        return updateCount;
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        checkOpen();
        reset();
        return false;
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        return getMoreResults();
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        checkOpen();
        if (generatedKeys == null && noKeys != null) {
            throw new SQLException("Strata: no generated keys: " + noKeys, OrderedResult.MISMATCH);
        }
        if (generatedKeys == null) {
            throw new SQLException(
                    "Strata: no generated keys: execute with Statement.RETURN_GENERATED_KEYS or" + " key column names",
                    "HY000");
        }
        return generatedKeys;
    }

    @Override
    public Connection getConnection() throws SQLException {
        checkOpen();
        return connection;
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) {
            throw new SQLException("Strata: fetch size must be >= 0 but was " + rows, "22023");
        }
        fetchSize = rows;
    }

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return fetchSize;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        if (direction != ResultSet.FETCH_FORWARD) {
            throw unsupported("setFetchDirection(" + direction + ")");
        }
    }

    @Override
    public int getFetchDirection() {
        return ResultSet.FETCH_FORWARD;
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        checkOpen();
        if (seconds < 0) {
            throw new SQLException("Strata: query timeout must be >= 0 but was " + seconds, "22023");
        }
        queryTimeout = seconds;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        checkOpen();
        return queryTimeout;
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        setLargeMaxRows(max);
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        checkOpen();
        if (max < 0) {
            throw new SQLException("Strata: max rows must be >= 0 but was " + max, "22023");
        }
        maxRows = max;
    }

    @Override
    public int getMaxRows() throws SQLException {
        return (int) maxRows;
    }

    @Override
    public long getLargeMaxRows() {
        return maxRows;
    }

    @Override
    public int getMaxFieldSize() {
        return 0;
    }

    @Override
    public void setMaxFieldSize(int max) {}

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        checkOpen();
        escapeProcessing = enable;
    }

    void clearCancel() {
        cancelled = false;
    }

    /** Throws 57014 (as PostgreSQL does for a cancelled query) once {@link #cancel()} was called. */
    public void checkNotCancelled() throws SQLException {
        if (cancelled) {
            throw new SQLException("Strata: canceling statement due to user request", "57014");
        }
    }

    @Override
    public void cancel() throws SQLException {
        cancelled = true;
        SQLException first = null;
        Statement st;
        for (int i = 0; (st = physical.get(i)) != null; i++) {
            try {
                st.cancel();
            } catch (SQLException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public void clearWarnings() {}

    @Override
    public void setCursorName(String name) throws SQLException {
        throw unsupported("setCursorName");
    }

    @Override
    public int getResultSetConcurrency() {
        return ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public int getResultSetType() {
        return ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public int getResultSetHoldability() {
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void setPoolable(boolean poolable) {}

    @Override
    public boolean isPoolable() {
        return false;
    }

    @Override
    public void closeOnCompletion() {
        closeOnCompletion = true;
    }

    @Override
    public boolean isCloseOnCompletion() {
        return closeOnCompletion;
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        SQLException first = null;
        try {
            reset();
        } catch (SQLException e) {
            first = e;
        }
        Statement st;
        for (int i = 0; (st = physical.get(i)) != null; i++) {
            try {
                st.close();
            } catch (SQLException e) {
                first = first == null ? e : first;
            }
        }
        physical.clear();
        connection.forget(this);
        if (first != null) {
            throw first;
        }
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("Strata: not a wrapper for " + iface.getName(), "22023");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    static PreparedStatement asPrepared(Statement st) {
        return (PreparedStatement) st;
    }
}
