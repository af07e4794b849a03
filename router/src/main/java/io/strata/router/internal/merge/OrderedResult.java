package io.strata.router.internal.merge;

import io.strata.router.internal.SqlStates;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Rows that several shards returned for one statement or batch (RETURNING rows, generated keys),
 * put back in the order one database would have returned them: a plan of steps says, for each row
 * of the result, which shard result holds it (each shard result is read front to back, so a
 * shard's rows must be in the order it received them, which PostgreSQL keeps for {@code INSERT ...
 * VALUES} and batches). A step may also skip a row (a broadcast copy's duplicate key).
 *
 * <p>When a shard returns fewer rows than the plan expects (an {@code ON CONFLICT DO NOTHING} that
 * skipped rows) the router cannot tell which rows they are, so {@link #next} fails with SQLState
 * {@value #MISMATCH} instead of pairing rows with the wrong inputs.
 */
public final class OrderedResult extends ShardCursors {

    /** SQLState when the shards' rows cannot be put back in order. */
    public static final String MISMATCH = SqlStates.SHAPE_NOT_SUPPORTED;

    private final int[] steps;
    private final int visible;
    private int step = -1;
    private ResultSet current;
    private int row;

    /**
     * @param steps per step: a source index to take the next row from and return it, or
     *     {@code -(index + 1)} to take and skip one
     */
    public OrderedResult(List<ResultSet> sources, int[] steps, List<String> shardNames, Statement owner)
            throws SQLException {
        super(sources, shardNames, owner);
        this.steps = steps;
        this.visible = sources.get(0).getMetaData().getColumnCount();
    }

    @Override
    public boolean next() throws SQLException {
        checkOpen();
        current = null;
        while (++step < steps.length) {
            int s = steps[step];
            ResultSet rs = sources.get(s >= 0 ? s : -s - 1);
            if (!rs.next()) {
                throw new SQLException(
                        "Strata: a shard returned fewer rows than it was sent (ON CONFLICT DO NOTHING?), so the"
                                + " returned rows cannot be matched to the statement's rows; the statement did run."
                                + " Insert such rows one shard at a time, or without RETURNING / generated keys.",
                        MISMATCH);
            }
            if (s >= 0) {
                current = rs;
                row++;
                return true;
            }
        }
        step = steps.length;
        return false;
    }

    @Override
    ResultSet current() throws SQLException {
        checkOpen();
        if (current == null) {
            throw new SQLException("Strata: the result set is not positioned on a row; call next()", "24000");
        }
        return current;
    }

    @Override
    int column(int column) throws SQLException {
        if (column < 1 || column > visible) {
            throw new SQLException("Strata: column index " + column + " is out of range (1.." + visible + ")", "22023");
        }
        return column;
    }

    @Override
    public int findColumn(String label) throws SQLException {
        return sources.get(0).findColumn(label);
    }

    @Override
    public boolean wasNull() throws SQLException {
        return current().wasNull();
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        return sources.get(0).getMetaData();
    }

    @Override
    public int getRow() {
        return current == null ? 0 : row;
    }

    @Override
    public int getFetchSize() {
        return 0;
    }

    @Override
    public void setFetchSize(int rows) {}

    @Override
    public boolean isBeforeFirst() {
        return step < 0;
    }

    @Override
    public boolean isAfterLast() {
        return step >= steps.length;
    }

    @Override
    public boolean isFirst() {
        return current != null && row == 1;
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
}
