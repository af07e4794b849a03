package io.strata.replication.internal;

import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.replication.SqlClassifier;
import io.strata.replication.StatementKind;
import io.strata.replication.internal.jdbc.UnsupportedStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A statement of a logical connection: each execution is routed on its own SQL, and runs on a
 * physical statement of the chosen node (created on first use there, then reused).
 */
class LogicalStatement extends UnsupportedStatement {

    final LogicalConnection connection;
    final int type;
    final int concurrency;
    final int holdability;

    /** Physical statements by bound connection; a dead binding's statement is discarded. */
    private final List<LogicalConnection.Bound> physicalOwners = new ArrayList<>(2);

    private final List<Statement> physicals = new ArrayList<>(2);

    @Nullable
    Statement current;

    boolean closed;
    private @Nullable List<String> batch;

    // settings replayed on every physical statement
    private int maxRows = -1;
    private long largeMaxRows = -1;
    private int fetchSize = -1;
    private int fetchDirection = -1;
    private int queryTimeout = -1;
    private int maxFieldSize = -1;
    private @Nullable Boolean escapeProcessing;
    private @Nullable Boolean poolable;
    private boolean closeOnCompletion;
    private @Nullable String cursorName;

    LogicalStatement(LogicalConnection connection, int type, int concurrency, int holdability) {
        super(LogicalConnection.JDBC_REFUSAL);
        this.connection = connection;
        this.type = type;
        this.concurrency = concurrency;
        this.holdability = holdability;
    }

    /** Creates the physical statement on {@code c}; overridden by prepared statements. */
    Statement create(Connection c) throws SQLException {
        return holdability >= 0
                ? c.createStatement(type, concurrency, holdability)
                : c.createStatement(type, concurrency);
    }

    /** The physical statement on {@code b}, created and configured on first use. */
    final Statement physical(LogicalConnection.Bound b) throws SQLException {
        for (int i = 0, size = physicalOwners.size(); i < size; i++) {
            if (physicalOwners.get(i) == b) {
                return physicals.get(i);
            }
        }
        for (int i = physicalOwners.size() - 1; i >= 0; i--) {
            if (physicalOwners.get(i).dead) {
                physicalOwners.remove(i);
                closeQuietly(physicals.remove(i));
            }
        }
        Statement s = create(b.connection);
        configure(s);
        physicalOwners.add(b);
        physicals.add(s);
        return s;
    }

    private void configure(Statement s) throws SQLException {
        if (maxRows >= 0) {
            s.setMaxRows(maxRows);
        }
        if (largeMaxRows >= 0) {
            s.setLargeMaxRows(largeMaxRows);
        }
        if (fetchSize >= 0) {
            s.setFetchSize(fetchSize);
        }
        if (fetchDirection >= 0) {
            s.setFetchDirection(fetchDirection);
        }
        if (queryTimeout >= 0) {
            s.setQueryTimeout(queryTimeout);
        }
        if (maxFieldSize >= 0) {
            s.setMaxFieldSize(maxFieldSize);
        }
        if (escapeProcessing != null) {
            s.setEscapeProcessing(escapeProcessing);
        }
        if (poolable != null) {
            s.setPoolable(poolable);
        }
        if (cursorName != null) {
            s.setCursorName(cursorName);
        }
    }

    final void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("This statement has been closed.", "55000");
        }
    }

    private <T> T route(String sql, LogicalConnection.Op<T> op) throws SQLException {
        checkOpen();
        SqlClassifier classifier = connection.classifier();
        StatementKind kind = classifier.classify(sql);
        Consistency hint = SqlClassifier.hint(sql).orElse(null);
        return connection.run(kind, hint, SessionSql.of(sql), sql, op);
    }

    // ---- execution ------------------------------------------------------------------------

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.executeQuery(sql);
        });
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.executeUpdate(sql);
        });
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.execute(sql);
        });
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.executeUpdate(sql, autoGeneratedKeys);
        });
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.executeUpdate(sql, columnIndexes);
        });
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.executeUpdate(sql, columnNames);
        });
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.execute(sql, autoGeneratedKeys);
        });
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.execute(sql, columnIndexes);
        });
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.execute(sql, columnNames);
        });
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        return route(sql, b -> {
            Statement s = physical(b);
            current = s;
            return s.executeLargeUpdate(sql);
        });
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        checkOpen();
        if (batch == null) {
            batch = new ArrayList<>();
        }
        batch.add(sql);
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        if (batch != null) {
            batch.clear();
        }
    }

    /** A batch may hold anything: it goes where writes go. */
    @Override
    public int[] executeBatch() throws SQLException {
        checkOpen();
        List<String> sqls = batch == null ? List.of() : new ArrayList<>(batch);
        clearBatch();
        // A setting in a batch is not replayed: it pins reads to the primary.
        SessionSql.Effect effect = SessionSql.Effect.NONE;
        for (String sql : sqls) {
            if (SessionSql.of(sql) != SessionSql.Effect.NONE) {
                effect = SessionSql.Effect.UNSAFE;
            }
        }
        return connection.run(StatementKind.WRITE, null, effect, "", b -> {
            Statement s = physical(b);
            current = s;
            for (String sql : sqls) {
                s.addBatch(sql);
            }
            return s.executeBatch();
        });
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        int[] counts = executeBatch();
        long[] out = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            out[i] = counts[i];
        }
        return out;
    }

    // ---- results of the last execution ------------------------------------------------------

    private Statement last() throws SQLException {
        checkOpen();
        if (current == null) {
            throw new SQLException("No statement has been executed yet.", "HY010");
        }
        return current;
    }

    @Override
    public @Nullable ResultSet getResultSet() throws SQLException {
        return current == null ? null : last().getResultSet();
    }

    @Override
    public int getUpdateCount() throws SQLException {
        return current == null ? -1 : last().getUpdateCount();
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        return current == null ? -1 : last().getLargeUpdateCount();
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        return current != null && last().getMoreResults();
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        return this.current != null && last().getMoreResults(current);
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        return last().getGeneratedKeys();
    }

    @Override
    public @Nullable SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return current == null ? null : current.getWarnings();
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        if (current != null) {
            current.clearWarnings();
        }
    }

    @Override
    public void cancel() throws SQLException {
        Statement s = current;
        if (s != null) {
            s.cancel();
        }
    }

    // ---- settings ----------------------------------------------------------------------------

    @Override
    public int getMaxFieldSize() {
        return Math.max(0, maxFieldSize);
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        checkOpen();
        maxFieldSize = max;
        for (Statement s : physicals) {
            s.setMaxFieldSize(max);
        }
    }

    @Override
    public int getMaxRows() {
        return Math.max(0, maxRows);
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        checkOpen();
        maxRows = max;
        for (Statement s : physicals) {
            s.setMaxRows(max);
        }
    }

    @Override
    public long getLargeMaxRows() {
        return Math.max(0, largeMaxRows >= 0 ? largeMaxRows : maxRows);
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        checkOpen();
        largeMaxRows = max;
        for (Statement s : physicals) {
            s.setLargeMaxRows(max);
        }
    }

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        checkOpen();
        escapeProcessing = enable;
        for (Statement s : physicals) {
            s.setEscapeProcessing(enable);
        }
    }

    @Override
    public int getQueryTimeout() {
        return Math.max(0, queryTimeout);
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        checkOpen();
        queryTimeout = seconds;
        for (Statement s : physicals) {
            s.setQueryTimeout(seconds);
        }
    }

    @Override
    public void setCursorName(@Nullable String name) throws SQLException {
        checkOpen();
        cursorName = name;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        fetchDirection = direction;
        for (Statement s : physicals) {
            s.setFetchDirection(direction);
        }
    }

    @Override
    public int getFetchDirection() {
        return fetchDirection >= 0 ? fetchDirection : ResultSet.FETCH_FORWARD;
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        fetchSize = rows;
        for (Statement s : physicals) {
            s.setFetchSize(rows);
        }
    }

    @Override
    public int getFetchSize() {
        return Math.max(0, fetchSize);
    }

    @Override
    public int getResultSetConcurrency() {
        return concurrency;
    }

    @Override
    public int getResultSetType() {
        return type;
    }

    @Override
    public int getResultSetHoldability() {
        return holdability >= 0 ? holdability : ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public Connection getConnection() throws SQLException {
        checkOpen();
        return connection;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        checkOpen();
        this.poolable = poolable;
    }

    @Override
    public boolean isPoolable() {
        return poolable == null || poolable;
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        checkOpen();
        closeOnCompletion = true;
        for (Statement s : physicals) {
            s.closeOnCompletion();
        }
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
        closeQuietly();
        connection.forget(this);
    }

    void closeQuietly() {
        closed = true;
        // The connection closes its statements from the thread that closes it, which may not be the
        // one using this statement (seen once: a ConcurrentModificationException from iterating the
        // list while physical() added to it). A copy taken without an iterator closes what is there.
        for (Statement s : physicals.toArray(new Statement[0])) {
            if (s != null) {
                closeQuietly(s);
            }
        }
        physicals.clear();
        physicalOwners.clear();
        current = null;
    }

    private static void closeQuietly(Statement s) {
        try {
            s.close();
        } catch (SQLException ignored) {
            // the connection is gone; nothing to release
        }
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLFeatureNotSupportedException(
                "cannot unwrap to " + iface.getName(), ReplicaSetDataSource.SQLSTATE_NOT_SUPPORTED);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
