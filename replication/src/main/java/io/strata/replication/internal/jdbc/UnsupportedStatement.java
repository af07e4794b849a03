package io.strata.replication.internal.jdbc;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import org.jspecify.annotations.Nullable;

/**
 * A skeleton of {@link java.sql.Statement} in which every method refuses with
 * {@link SQLFeatureNotSupportedException} (the SQLState and message of the subclass's
 * {@link JdbcRefusal}) until a subclass implements it. Generated from the interface so that
 * nothing is silently missing. A prepared statement adds {@link RecordingPreparedStatement}.
 */
public abstract class UnsupportedStatement implements java.sql.Statement {

    private final JdbcRefusal refusal;

    /** A statement whose unimplemented methods refuse as {@code refusal} says. */
    protected UnsupportedStatement(JdbcRefusal refusal) {
        this.refusal = refusal;
    }

    /** The refusal of {@code method} (a method name, possibly with its arguments). */
    protected final SQLException unsupported(String method) {
        return refusal.unsupported(method);
    }

    @Override
    public void addBatch(java.lang.String a0) throws SQLException {
        throw unsupported("addBatch");
    }

    @Override
    public void cancel() throws SQLException {
        throw unsupported("cancel");
    }

    @Override
    public void clearBatch() throws SQLException {
        throw unsupported("clearBatch");
    }

    @Override
    public void clearWarnings() throws SQLException {
        throw unsupported("clearWarnings");
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        throw unsupported("closeOnCompletion");
    }

    @Override
    public void close() throws SQLException {
        throw unsupported("close");
    }

    @Override
    public int[] executeBatch() throws SQLException {
        throw unsupported("executeBatch");
    }

    @Override
    public java.sql.ResultSet executeQuery(java.lang.String a0) throws SQLException {
        throw unsupported("executeQuery");
    }

    @Override
    public int executeUpdate(java.lang.String a0, int[] a1) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public int executeUpdate(java.lang.String a0, java.lang.String[] a1) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public int executeUpdate(java.lang.String a0, int a1) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public int executeUpdate(java.lang.String a0) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public boolean execute(java.lang.String a0, int[] a1) throws SQLException {
        throw unsupported("execute");
    }

    @Override
    public boolean execute(java.lang.String a0, java.lang.String[] a1) throws SQLException {
        throw unsupported("execute");
    }

    @Override
    public boolean execute(java.lang.String a0, int a1) throws SQLException {
        throw unsupported("execute");
    }

    @Override
    public boolean execute(java.lang.String a0) throws SQLException {
        throw unsupported("execute");
    }

    @Override
    public java.sql.Connection getConnection() throws SQLException {
        throw unsupported("getConnection");
    }

    @Override
    public int getFetchDirection() throws SQLException {
        throw unsupported("getFetchDirection");
    }

    @Override
    public int getFetchSize() throws SQLException {
        throw unsupported("getFetchSize");
    }

    @Override
    public java.sql.ResultSet getGeneratedKeys() throws SQLException {
        throw unsupported("getGeneratedKeys");
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        throw unsupported("getMaxFieldSize");
    }

    @Override
    public int getMaxRows() throws SQLException {
        throw unsupported("getMaxRows");
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        throw unsupported("getMoreResults");
    }

    @Override
    public boolean getMoreResults(int a0) throws SQLException {
        throw unsupported("getMoreResults");
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        throw unsupported("getQueryTimeout");
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        throw unsupported("getResultSetConcurrency");
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        throw unsupported("getResultSetHoldability");
    }

    @Override
    public int getResultSetType() throws SQLException {
        throw unsupported("getResultSetType");
    }

    @Override
    public java.sql.@Nullable ResultSet getResultSet() throws SQLException {
        throw unsupported("getResultSet");
    }

    @Override
    public int getUpdateCount() throws SQLException {
        throw unsupported("getUpdateCount");
    }

    @Override
    public java.sql.@Nullable SQLWarning getWarnings() throws SQLException {
        throw unsupported("getWarnings");
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        throw unsupported("isCloseOnCompletion");
    }

    @Override
    public boolean isClosed() throws SQLException {
        throw unsupported("isClosed");
    }

    @Override
    public boolean isPoolable() throws SQLException {
        throw unsupported("isPoolable");
    }

    @Override
    public boolean isWrapperFor(java.lang.Class<?> a0) throws SQLException {
        throw unsupported("isWrapperFor");
    }

    @Override
    public void setCursorName(java.lang.String a0) throws SQLException {
        throw unsupported("setCursorName");
    }

    @Override
    public void setEscapeProcessing(boolean a0) throws SQLException {
        throw unsupported("setEscapeProcessing");
    }

    @Override
    public void setFetchDirection(int a0) throws SQLException {
        throw unsupported("setFetchDirection");
    }

    @Override
    public void setFetchSize(int a0) throws SQLException {
        throw unsupported("setFetchSize");
    }

    @Override
    public void setMaxFieldSize(int a0) throws SQLException {
        throw unsupported("setMaxFieldSize");
    }

    @Override
    public void setMaxRows(int a0) throws SQLException {
        throw unsupported("setMaxRows");
    }

    @Override
    public void setPoolable(boolean a0) throws SQLException {
        throw unsupported("setPoolable");
    }

    @Override
    public void setQueryTimeout(int a0) throws SQLException {
        throw unsupported("setQueryTimeout");
    }

    @Override
    public <T> T unwrap(java.lang.Class<T> a0) throws SQLException {
        throw unsupported("unwrap");
    }
}
