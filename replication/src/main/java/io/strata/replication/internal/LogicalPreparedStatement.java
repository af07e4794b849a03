package io.strata.replication.internal;

import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.replication.SqlClassifier;
import io.strata.replication.StatementKind;
import io.strata.replication.internal.jdbc.RecordedParameter;
import io.strata.replication.internal.jdbc.RecordingPreparedStatement;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A prepared statement of a logical connection. The SQL is classified once, when prepared; the
 * parameters are recorded (by {@link RecordingPreparedStatement}) and applied to the physical
 * statement of whichever node runs each execution, so a read can be retried on another node with
 * the same parameters. (A stream parameter can be read only once: a retried read that had one
 * fails instead.)
 */
final class LogicalPreparedStatement extends LogicalStatement implements RecordingPreparedStatement {

    /** Creates the physical prepared statement on a physical connection. */
    interface Factory {
        PreparedStatement prepare(Connection c) throws SQLException;
    }

    private static final RecordedParameter[] NO_PARAMS = new RecordedParameter[0];

    private final String sql;
    private final Factory factory;
    private final StatementKind kind;
    /** What the statement does to session settings (recorded, replayed or pinning reads). */
    private final SessionSql.Effect effect;

    private final @Nullable Consistency hint;
    private RecordedParameter[] params = NO_PARAMS;
    private int paramCount;
    private @Nullable List<RecordedParameter[]> batches;

    LogicalPreparedStatement(
            LogicalConnection connection, String sql, Factory factory, int type, int concurrency, int holdability) {
        super(connection, type, concurrency, holdability);
        this.sql = sql;
        this.factory = factory;
        SqlClassifier classifier = connection.classifier();
        this.kind = classifier.classify(sql);
        this.hint = SqlClassifier.hint(sql).orElse(null);
        this.effect = SessionSql.of(sql);
    }

    @Override
    Statement create(Connection c) throws SQLException {
        return factory.prepare(c);
    }

    @Override
    public RecordedParameter parameter(int index) throws SQLException {
        checkOpen();
        if (index < 1) {
            throw new SQLException("The column index is out of range: " + index, "22023");
        }
        if (index > params.length) {
            params = Arrays.copyOf(params, Math.max(index, params.length * 2));
        }
        RecordedParameter p = params[index - 1];
        if (p == null) {
            p = new RecordedParameter();
            params[index - 1] = p;
        }
        paramCount = Math.max(paramCount, index);
        return p;
    }

    private PreparedStatement bindParams(LogicalConnection.Bound b, RecordedParameter[] values, int count)
            throws SQLException {
        PreparedStatement ps = (PreparedStatement) physical(b);
        current = ps;
        apply(ps, values, count);
        return ps;
    }

    private static void apply(PreparedStatement ps, RecordedParameter[] values, int count) throws SQLException {
        for (int i = 0; i < count; i++) {
            RecordedParameter p = values[i];
            if (p != null) {
                p.bind(ps, i + 1);
            }
        }
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        checkOpen();
        return connection.run(
                kind, hint, effect, sql, b -> bindParams(b, params, paramCount).executeQuery());
    }

    @Override
    public int executeUpdate() throws SQLException {
        checkOpen();
        return connection.run(
                kind, hint, effect, sql, b -> bindParams(b, params, paramCount).executeUpdate());
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        checkOpen();
        return connection.run(
                kind, hint, effect, sql, b -> bindParams(b, params, paramCount).executeLargeUpdate());
    }

    @Override
    public boolean execute() throws SQLException {
        checkOpen();
        return connection.run(
                kind, hint, effect, sql, b -> bindParams(b, params, paramCount).execute());
    }

    @Override
    public void addBatch() throws SQLException {
        checkOpen();
        if (batches == null) {
            batches = new ArrayList<>();
        }
        RecordedParameter[] row = new RecordedParameter[paramCount];
        for (int i = 0; i < paramCount; i++) {
            RecordedParameter p = params[i];
            row[i] = p == null ? null : p.copy();
        }
        batches.add(row);
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
        List<RecordedParameter[]> rows = batches == null ? List.of() : new ArrayList<>(batches);
        clearBatch();
        SessionSql.Effect batchEffect =
                effect == SessionSql.Effect.NONE ? SessionSql.Effect.NONE : SessionSql.Effect.UNSAFE;
        return connection.run(StatementKind.WRITE, null, batchEffect, sql, b -> {
            PreparedStatement ps = (PreparedStatement) physical(b);
            current = ps;
            for (RecordedParameter[] row : rows) {
                apply(ps, row, row.length);
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

    @Override
    @Deprecated
    public void setUnicodeStream(int parameterIndex, @Nullable InputStream x, int length) throws SQLException {
        throw new SQLFeatureNotSupportedException(
                "setUnicodeStream is deprecated and not supported; use setCharacterStream",
                ReplicaSetDataSource.SQLSTATE_NOT_SUPPORTED);
    }

    @Override
    public String toString() {
        return sql;
    }
}
