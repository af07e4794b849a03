package io.strata.router.internal.jdbc;

import io.strata.router.internal.execute.Execution;
import io.strata.router.internal.merge.VisibleMetaData;
import io.strata.router.internal.plan.MergeSpec;
import io.strata.router.internal.plan.Param;
import io.strata.router.internal.plan.Plan;
import java.sql.ParameterMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A logical {@link java.sql.PreparedStatement}. Every setter is recorded as a {@link Param}: the
 * value (to route by) and a replay of the same setter (to bind on each shard's physical statement,
 * at the placeholder's position in that shard's SQL). Batches are split by shard.
 */
final class LogicalPreparedStatement extends LogicalStatement {

    private final Plan plan;
    private final Execution.Keys keys;
    private Param[] params;
    private final List<Param[]> batch = new ArrayList<>();

    LogicalPreparedStatement(LogicalConnection connection, Plan plan, Execution.Keys keys) {
        super(connection);
        this.plan = plan;
        this.keys = keys;
        this.params = new Param[plan.parameterCount()];
    }

    /** The route plan. */
    Plan plan() {
        return plan;
    }

    private void set(int index, Object value, Param.Binder binder) throws SQLException {
        checkOpen();
        if (index < 1 || index > params.length) {
            throw new SQLException(
                    "Strata: parameter index " + index + " is out of range (1.." + params.length + ")", "22023");
        }
        params[index - 1] = new Param(value, binder);
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        return query(plan, params);
    }

    @Override
    public int executeUpdate() throws SQLException {
        return (int) update(plan, params, keys);
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return update(plan, params, keys);
    }

    @Override
    public boolean execute() throws SQLException {
        return run(plan, params, keys);
    }

    @Override
    public void clearParameters() throws SQLException {
        checkOpen();
        Arrays.fill(params, null);
    }

    @Override
    public void addBatch() throws SQLException {
        checkOpen();
        batch.add(params.clone());
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        batch.clear();
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
        reset();
        try {
            Execution.Batch result = connection.executeBatch(this, plan, batch, keys);
            generatedKeys = result.keys();
            noKeys = result.noKeys();
            return result.counts();
        } finally {
            batch.clear();
        }
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        checkOpen();
        if (plan.isRejected()) {
            throw plan.rejection();
        }
        if (!plan.returnsRows()) {
            return null;
        }
        // A result is shaped the same on every shard: describe the shard SQL on one of them.
        int hint = connection.hintShard(plan);
        int shard = hint >= 0 ? hint : 0;
        MergeSpec merge = plan.isWrite() ? null : plan.merge;
        String sql = merge == null ? plan.sql() : merge.shardSql();
        java.sql.PreparedStatement ps =
                (java.sql.PreparedStatement) physical(shard, connection.shard(shard), sql, true, Execution.Keys.NONE);
        ResultSetMetaData md = ps.getMetaData();
        if (md == null || merge == null || merge.hiddenColumns() == 0) {
            return md;
        }
        return new VisibleMetaData(md, md.getColumnCount() - merge.hiddenColumns(), null);
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        checkOpen();
        int hint = connection.hintShard(plan);
        java.sql.Connection c = connection.shard(hint >= 0 ? hint : 0);
        try (java.sql.PreparedStatement ps = c.prepareStatement(plan.sql())) {
            return ps.getParameterMetaData();
        }
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        throw new SQLException("Strata: addBatch(String) cannot be called on a PreparedStatement", "HY000");
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        throw new SQLException("Strata: executeQuery(String) cannot be called on a PreparedStatement", "HY000");
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        throw new SQLException("Strata: executeUpdate(String) cannot be called on a PreparedStatement", "HY000");
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        throw new SQLException("Strata: execute(String) cannot be called on a PreparedStatement", "HY000");
    }

    @Override
    public void setArray(int a0, java.sql.Array a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setArray(i, a1));
    }

    @Override
    public void setAsciiStream(int a0, java.io.InputStream a1, int a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setAsciiStream(i, a1, a2));
    }

    @Override
    public void setAsciiStream(int a0, java.io.InputStream a1, long a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setAsciiStream(i, a1, a2));
    }

    @Override
    public void setAsciiStream(int a0, java.io.InputStream a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setAsciiStream(i, a1));
    }

    @Override
    public void setBigDecimal(int a0, java.math.BigDecimal a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBigDecimal(i, a1));
    }

    @Override
    public void setBinaryStream(int a0, java.io.InputStream a1, int a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBinaryStream(i, a1, a2));
    }

    @Override
    public void setBinaryStream(int a0, java.io.InputStream a1, long a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBinaryStream(i, a1, a2));
    }

    @Override
    public void setBinaryStream(int a0, java.io.InputStream a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBinaryStream(i, a1));
    }

    @Override
    public void setBlob(int a0, java.io.InputStream a1, long a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBlob(i, a1, a2));
    }

    @Override
    public void setBlob(int a0, java.io.InputStream a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBlob(i, a1));
    }

    @Override
    public void setBlob(int a0, java.sql.Blob a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBlob(i, a1));
    }

    @Override
    public void setBoolean(int a0, boolean a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBoolean(i, a1));
    }

    @Override
    public void setByte(int a0, byte a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setByte(i, a1));
    }

    @Override
    public void setBytes(int a0, byte[] a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setBytes(i, a1));
    }

    @Override
    public void setCharacterStream(int a0, java.io.Reader a1, int a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setCharacterStream(i, a1, a2));
    }

    @Override
    public void setCharacterStream(int a0, java.io.Reader a1, long a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setCharacterStream(i, a1, a2));
    }

    @Override
    public void setCharacterStream(int a0, java.io.Reader a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setCharacterStream(i, a1));
    }

    @Override
    public void setClob(int a0, java.io.Reader a1, long a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setClob(i, a1, a2));
    }

    @Override
    public void setClob(int a0, java.io.Reader a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setClob(i, a1));
    }

    @Override
    public void setClob(int a0, java.sql.Clob a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setClob(i, a1));
    }

    @Override
    public void setDate(int a0, java.sql.Date a1, java.util.Calendar a2) throws SQLException {
        set(
                a0,
                a2 == null || a1 == null ? a1 : new io.strata.router.internal.plan.CalendarTime(a1, a2.getTimeZone()),
                (ps, i) -> ps.setDate(i, a1, a2));
    }

    @Override
    public void setDate(int a0, java.sql.Date a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setDate(i, a1));
    }

    @Override
    public void setDouble(int a0, double a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setDouble(i, a1));
    }

    @Override
    public void setFloat(int a0, float a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setFloat(i, a1));
    }

    @Override
    public void setInt(int a0, int a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setInt(i, a1));
    }

    @Override
    public void setLong(int a0, long a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setLong(i, a1));
    }

    @Override
    public void setNCharacterStream(int a0, java.io.Reader a1, long a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setNCharacterStream(i, a1, a2));
    }

    @Override
    public void setNCharacterStream(int a0, java.io.Reader a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setNCharacterStream(i, a1));
    }

    @Override
    public void setNClob(int a0, java.io.Reader a1, long a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setNClob(i, a1, a2));
    }

    @Override
    public void setNClob(int a0, java.io.Reader a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setNClob(i, a1));
    }

    @Override
    public void setNClob(int a0, java.sql.NClob a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setNClob(i, a1));
    }

    @Override
    public void setNString(int a0, java.lang.String a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setNString(i, a1));
    }

    @Override
    public void setNull(int a0, int a1, java.lang.String a2) throws SQLException {
        set(a0, null, (ps, i) -> ps.setNull(i, a1, a2));
    }

    @Override
    public void setNull(int a0, int a1) throws SQLException {
        set(a0, null, (ps, i) -> ps.setNull(i, a1));
    }

    @Override
    public void setObject(int a0, java.lang.Object a1, int a2, int a3) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setObject(i, a1, a2, a3));
    }

    @Override
    public void setObject(int a0, java.lang.Object a1, int a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setObject(i, a1, a2));
    }

    @Override
    public void setObject(int a0, java.lang.Object a1, java.sql.SQLType a2, int a3) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setObject(i, a1, a2, a3));
    }

    @Override
    public void setObject(int a0, java.lang.Object a1, java.sql.SQLType a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setObject(i, a1, a2));
    }

    @Override
    public void setObject(int a0, java.lang.Object a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setObject(i, a1));
    }

    @Override
    public void setRef(int a0, java.sql.Ref a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setRef(i, a1));
    }

    @Override
    public void setRowId(int a0, java.sql.RowId a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setRowId(i, a1));
    }

    @Override
    public void setSQLXML(int a0, java.sql.SQLXML a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setSQLXML(i, a1));
    }

    @Override
    public void setShort(int a0, short a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setShort(i, a1));
    }

    @Override
    public void setString(int a0, java.lang.String a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setString(i, a1));
    }

    @Override
    public void setTime(int a0, java.sql.Time a1, java.util.Calendar a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setTime(i, a1, a2));
    }

    @Override
    public void setTime(int a0, java.sql.Time a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setTime(i, a1));
    }

    @Override
    public void setTimestamp(int a0, java.sql.Timestamp a1, java.util.Calendar a2) throws SQLException {
        set(
                a0,
                a2 == null || a1 == null ? a1 : new io.strata.router.internal.plan.CalendarTime(a1, a2.getTimeZone()),
                (ps, i) -> ps.setTimestamp(i, a1, a2));
    }

    @Override
    public void setTimestamp(int a0, java.sql.Timestamp a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setTimestamp(i, a1));
    }

    @Override
    public void setURL(int a0, java.net.URL a1) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setURL(i, a1));
    }

    @Override
    public void setUnicodeStream(int a0, java.io.InputStream a1, int a2) throws SQLException {
        set(a0, a1, (ps, i) -> ps.setUnicodeStream(i, a1, a2));
    }
}
