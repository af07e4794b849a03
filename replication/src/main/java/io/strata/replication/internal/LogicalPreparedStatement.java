package io.strata.replication.internal;

import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.replication.SqlClassifier;
import io.strata.replication.StatementKind;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A prepared statement of a logical connection. The SQL is classified once, when prepared; the
 * parameters are recorded and applied to the physical statement of whichever node runs each
 * execution, so a read can be retried on another node with the same parameters. (A stream
 * parameter can be read only once: a retried read that had one fails instead.)
 */
final class LogicalPreparedStatement extends LogicalStatement implements PreparedStatement {

    /** Creates the physical prepared statement on a physical connection. */
    interface Factory {
        PreparedStatement prepare(Connection c) throws SQLException;
    }

    /** One recorded parameter. */
    interface Param {
        void apply(PreparedStatement ps) throws SQLException;
    }

    private static final Param[] NO_PARAMS = new Param[0];

    private final String sql;
    private final Factory factory;
    private final StatementKind kind;
    private final @Nullable Consistency hint;
    private Param[] params = NO_PARAMS;
    private int paramCount;
    private @Nullable List<Param[]> batches;

    LogicalPreparedStatement(
            LogicalConnection connection, String sql, Factory factory, int type, int concurrency, int holdability) {
        super(connection, type, concurrency, holdability);
        this.sql = sql;
        this.factory = factory;
        SqlClassifier classifier = connection.classifier();
        this.kind = classifier.classify(sql);
        this.hint = SqlClassifier.hint(sql).orElse(null);
    }

    @Override
    Statement create(Connection c) throws SQLException {
        return factory.prepare(c);
    }

    private void set(int index, Param p) throws SQLException {
        checkOpen();
        if (index < 1) {
            throw new SQLException("The column index is out of range: " + index, "22023");
        }
        if (index > params.length) {
            params = Arrays.copyOf(params, Math.max(index, params.length * 2));
        }
        params[index - 1] = p;
        paramCount = Math.max(paramCount, index);
    }

    private PreparedStatement bindParams(LogicalConnection.Bound b, Param[] values, int count) throws SQLException {
        PreparedStatement ps = (PreparedStatement) physical(b);
        current = ps;
        for (int i = 0; i < count; i++) {
            Param p = values[i];
            if (p != null) {
                p.apply(ps);
            }
        }
        return ps;
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        checkOpen();
        return connection.run(kind, hint, b -> bindParams(b, params, paramCount).executeQuery());
    }

    @Override
    public int executeUpdate() throws SQLException {
        checkOpen();
        return connection.run(kind, hint, b -> bindParams(b, params, paramCount).executeUpdate());
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        checkOpen();
        return connection.run(kind, hint, b -> bindParams(b, params, paramCount).executeLargeUpdate());
    }

    @Override
    public boolean execute() throws SQLException {
        checkOpen();
        return connection.run(kind, hint, b -> bindParams(b, params, paramCount).execute());
    }

    @Override
    public void addBatch() throws SQLException {
        checkOpen();
        if (batches == null) {
            batches = new ArrayList<>();
        }
        batches.add(Arrays.copyOf(params, paramCount));
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        if (batches != null) {
            batches.clear();
        }
    }

    /** A batch goes where writes go. */
    @Override
    public int[] executeBatch() throws SQLException {
        checkOpen();
        List<Param[]> rows = batches == null ? List.of() : new ArrayList<>(batches);
        clearBatch();
        return connection.run(StatementKind.WRITE, null, b -> {
            PreparedStatement ps = (PreparedStatement) physical(b);
            current = ps;
            for (Param[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    if (row[i] != null) {
                        row[i].apply(ps);
                    }
                }
                ps.addBatch();
            }
            return ps.executeBatch();
        });
    }

    @Override
    public void clearParameters() throws SQLException {
        checkOpen();
        Arrays.fill(params, null);
        paramCount = 0;
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        checkOpen();
        return connection.run(kind, hint, b -> ((PreparedStatement) physical(b)).getMetaData());
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        checkOpen();
        return connection.run(kind, hint, b -> ((PreparedStatement) physical(b)).getParameterMetaData());
    }

    // Statement's SQL-taking methods are not allowed on a prepared statement.

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        throw notOnPrepared();
    }

    private static SQLException notOnPrepared() {
        return new SQLException("Can't use query methods that take a query string on a PreparedStatement.", "42809");
    }

    // ---- parameters (recorded, applied per execution) -------------------------------------

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        set(parameterIndex, ps -> ps.setNull(parameterIndex, sqlType));
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        set(parameterIndex, ps -> ps.setNull(parameterIndex, sqlType, typeName));
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        set(parameterIndex, ps -> ps.setBoolean(parameterIndex, x));
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        set(parameterIndex, ps -> ps.setByte(parameterIndex, x));
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        set(parameterIndex, ps -> ps.setShort(parameterIndex, x));
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        set(parameterIndex, ps -> ps.setInt(parameterIndex, x));
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        set(parameterIndex, ps -> ps.setLong(parameterIndex, x));
    }

    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        set(parameterIndex, ps -> ps.setFloat(parameterIndex, x));
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        set(parameterIndex, ps -> ps.setDouble(parameterIndex, x));
    }

    @Override
    public void setBigDecimal(int parameterIndex, BigDecimal x) throws SQLException {
        set(parameterIndex, ps -> ps.setBigDecimal(parameterIndex, x));
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        set(parameterIndex, ps -> ps.setString(parameterIndex, x));
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        set(parameterIndex, ps -> ps.setBytes(parameterIndex, x));
    }

    @Override
    public void setDate(int parameterIndex, Date x) throws SQLException {
        set(parameterIndex, ps -> ps.setDate(parameterIndex, x));
    }

    @Override
    public void setTime(int parameterIndex, Time x) throws SQLException {
        set(parameterIndex, ps -> ps.setTime(parameterIndex, x));
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x) throws SQLException {
        set(parameterIndex, ps -> ps.setTimestamp(parameterIndex, x));
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, int length) throws SQLException {
        set(parameterIndex, ps -> ps.setAsciiStream(parameterIndex, x, length));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, int length) throws SQLException {
        set(parameterIndex, ps -> ps.setBinaryStream(parameterIndex, x, length));
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        set(parameterIndex, ps -> ps.setObject(parameterIndex, x, targetSqlType));
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        set(parameterIndex, ps -> ps.setObject(parameterIndex, x));
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x, int length) throws SQLException {
        set(parameterIndex, ps -> ps.setCharacterStream(parameterIndex, x, length));
    }

    @Override
    public void setRef(int parameterIndex, Ref x) throws SQLException {
        set(parameterIndex, ps -> ps.setRef(parameterIndex, x));
    }

    @Override
    public void setBlob(int parameterIndex, Blob x) throws SQLException {
        set(parameterIndex, ps -> ps.setBlob(parameterIndex, x));
    }

    @Override
    public void setClob(int parameterIndex, Clob x) throws SQLException {
        set(parameterIndex, ps -> ps.setClob(parameterIndex, x));
    }

    @Override
    public void setArray(int parameterIndex, Array x) throws SQLException {
        set(parameterIndex, ps -> ps.setArray(parameterIndex, x));
    }

    @Override
    public void setDate(int parameterIndex, Date x, Calendar cal) throws SQLException {
        set(parameterIndex, ps -> ps.setDate(parameterIndex, x, cal));
    }

    @Override
    public void setTime(int parameterIndex, Time x, Calendar cal) throws SQLException {
        set(parameterIndex, ps -> ps.setTime(parameterIndex, x, cal));
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x, Calendar cal) throws SQLException {
        set(parameterIndex, ps -> ps.setTimestamp(parameterIndex, x, cal));
    }

    @Override
    public void setURL(int parameterIndex, URL x) throws SQLException {
        set(parameterIndex, ps -> ps.setURL(parameterIndex, x));
    }

    @Override
    public void setRowId(int parameterIndex, RowId x) throws SQLException {
        set(parameterIndex, ps -> ps.setRowId(parameterIndex, x));
    }

    @Override
    public void setNString(int parameterIndex, String x) throws SQLException {
        set(parameterIndex, ps -> ps.setNString(parameterIndex, x));
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader x, long length) throws SQLException {
        set(parameterIndex, ps -> ps.setNCharacterStream(parameterIndex, x, length));
    }

    @Override
    public void setNClob(int parameterIndex, NClob x) throws SQLException {
        set(parameterIndex, ps -> ps.setNClob(parameterIndex, x));
    }

    @Override
    public void setClob(int parameterIndex, Reader x, long length) throws SQLException {
        set(parameterIndex, ps -> ps.setClob(parameterIndex, x, length));
    }

    @Override
    public void setBlob(int parameterIndex, InputStream x, long length) throws SQLException {
        set(parameterIndex, ps -> ps.setBlob(parameterIndex, x, length));
    }

    @Override
    public void setNClob(int parameterIndex, Reader x, long length) throws SQLException {
        set(parameterIndex, ps -> ps.setNClob(parameterIndex, x, length));
    }

    @Override
    public void setSQLXML(int parameterIndex, SQLXML x) throws SQLException {
        set(parameterIndex, ps -> ps.setSQLXML(parameterIndex, x));
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        set(parameterIndex, ps -> ps.setObject(parameterIndex, x, targetSqlType, scaleOrLength));
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, long length) throws SQLException {
        set(parameterIndex, ps -> ps.setAsciiStream(parameterIndex, x, length));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, long length) throws SQLException {
        set(parameterIndex, ps -> ps.setBinaryStream(parameterIndex, x, length));
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x, long length) throws SQLException {
        set(parameterIndex, ps -> ps.setCharacterStream(parameterIndex, x, length));
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x) throws SQLException {
        set(parameterIndex, ps -> ps.setAsciiStream(parameterIndex, x));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x) throws SQLException {
        set(parameterIndex, ps -> ps.setBinaryStream(parameterIndex, x));
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x) throws SQLException {
        set(parameterIndex, ps -> ps.setCharacterStream(parameterIndex, x));
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader x) throws SQLException {
        set(parameterIndex, ps -> ps.setNCharacterStream(parameterIndex, x));
    }

    @Override
    public void setClob(int parameterIndex, Reader x) throws SQLException {
        set(parameterIndex, ps -> ps.setClob(parameterIndex, x));
    }

    @Override
    public void setBlob(int parameterIndex, InputStream x) throws SQLException {
        set(parameterIndex, ps -> ps.setBlob(parameterIndex, x));
    }

    @Override
    public void setNClob(int parameterIndex, Reader x) throws SQLException {
        set(parameterIndex, ps -> ps.setNClob(parameterIndex, x));
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        set(parameterIndex, ps -> ps.setObject(parameterIndex, x, targetSqlType, scaleOrLength));
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType) throws SQLException {
        set(parameterIndex, ps -> ps.setObject(parameterIndex, x, targetSqlType));
    }

    @Override
    @Deprecated
    public void setUnicodeStream(int parameterIndex, InputStream x, int length) throws SQLException {
        throw new SQLFeatureNotSupportedException(
                "setUnicodeStream is deprecated and not supported; use setCharacterStream",
                ReplicaSetDataSource.SQLSTATE_NOT_SUPPORTED);
    }

    @Override
    public String toString() {
        return sql;
    }
}
