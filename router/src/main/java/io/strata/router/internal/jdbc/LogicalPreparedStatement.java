package io.strata.router.internal.jdbc;

import io.strata.replication.internal.jdbc.RecordingPreparedStatement;
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
 * A logical {@link java.sql.PreparedStatement}. Every setter is recorded (by
 * {@link RecordingPreparedStatement}) in the {@link Param} slot of its index: the value to route by
 * and the setter to replay on each shard's physical statement, at the placeholder's position in
 * that shard's SQL. Batches are split by shard.
 */
final class LogicalPreparedStatement extends LogicalStatement implements RecordingPreparedStatement {

    private static final Param[] NO_PARAMS = new Param[0];

    private final Plan plan;
    private final Execution.Keys keys;
    private Param[] params;
    /** The rows of {@code addBatch()}, made on first use (most statements never batch). */
    private List<Param[]> batch;

    LogicalPreparedStatement(LogicalConnection connection, Plan plan, Execution.Keys keys) {
        super(connection);
        this.plan = plan;
        this.keys = keys;
        this.params = connection.takeParams(plan.parameterCount());
    }

    /** The route plan. */
    Plan plan() {
        return plan;
    }

    @Override
    public Param parameter(int index) throws SQLException {
        checkOpen();
        if (index < 1 || index > params.length) {
            throw new SQLException(
                    "Strata: parameter index " + index + " is out of range (1.." + params.length + ")", "22023");
        }
        Param p = params[index - 1];
        if (p == null) {
            p = connection.takeParam();
            params[index - 1] = p;
        }
        return p;
    }

    // Synchronized: two threads closing at once must not both give the slots back (two later
    // statements would then share a slot).
    @Override
    public synchronized void close() throws SQLException {
        if (isClosed()) {
            return;
        }
        Param[] mine = params;
        try {
            super.close();
        } finally {
            params = NO_PARAMS;
            connection.giveParams(mine); // reused by this connection's next prepared statement
        }
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
        Param[] row = new Param[params.length];
        for (int i = 0; i < row.length; i++) {
            row[i] = params[i] == null ? null : params[i].copy();
        }
        if (batch == null) {
            batch = new ArrayList<>();
        }
        batch.add(row);
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        if (batch != null) {
            batch.clear();
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
        reset();
        clearCancel();
        if (batch == null) {
            batch = new ArrayList<>();
        }
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
}
