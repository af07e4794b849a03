package io.strata.router.internal.merge;

import io.strata.router.internal.plan.MergeSpec;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Streaming k-way merge of shard results that are each sorted by the statement's ORDER BY: a heap
 * holds one cursor per shard, keyed by the current row's sort values; {@link #next} pops the
 * smallest and advances that shard. OFFSET rows are skipped after the merge and LIMIT stops it
 * (each shard was asked for LIMIT limit+offset). Without ORDER BY the shards are read one after
 * another. Ties keep shard order, so the output is deterministic.
 *
 * <p>Concurrency: like any ResultSet, used by one thread.
 */
public final class StreamingMerge extends ShardCursors {

    private final int hidden;
    private final int[] orderColumns;
    private final boolean[] ascending;
    private final boolean[] nullsFirst;
    private final PriorityQueue<Cursor> heap;
    private long toSkip;
    private long remaining;
    private int visible = -1;
    private Cursor current;
    private boolean started;
    /** DISTINCT ON: the number of leading ORDER BY keys that form a group, and the last group's keys. */
    private final int distinctOn;

    private Object[] lastGroup;
    private int row;

    private final class Cursor {
        final ResultSet rs;
        final int position;
        final Object[] keys;

        Cursor(ResultSet rs, int position) {
            this.rs = rs;
            this.position = position;
            this.keys = new Object[orderColumns.length];
        }

        void load() throws SQLException {
            for (int k = 0; k < orderColumns.length; k++) {
                keys[k] = rs.getObject(orderColumns[k]);
            }
        }
    }

    public StreamingMerge(
            List<ResultSet> sources,
            List<String> shardNames,
            Statement owner,
            MergeSpec spec,
            long offset,
            long limit,
            TextOrder text)
            throws SQLException {
        super(sources, shardNames, owner);
        this.hidden = spec == null ? 0 : spec.hiddenColumns();
        int columnCount = sources.get(0).getMetaData().getColumnCount();
        this.visible = columnCount - hidden;
        List<MergeSpec.OrderKey> order = spec == null ? List.of() : spec.order();
        this.distinctOn = spec == null ? 0 : spec.distinctOn();
        orderColumns = new int[order.size()];
        ascending = new boolean[order.size()];
        nullsFirst = new boolean[order.size()];
        for (int k = 0; k < order.size(); k++) {
            int c = order.get(k).column();
            orderColumns[k] = c > 0 ? c : visible - c; // hidden column -h is at visible + h
            if (sources.size() > 1) {
                PgOrder.requireOrdered(sources.get(0).getMetaData(), orderColumns[k], "ORDER BY");
                if (text != null) {
                    text.requireOrdered(sources.get(0).getMetaData(), orderColumns[k], "ORDER BY");
                }
            }
            if (k < distinctOn) {
                PgOrder.requireGroupable(sources.get(0).getMetaData(), orderColumns[k]);
                if (text != null) {
                    text.requireGroupable(sources.get(0).getMetaData(), orderColumns[k]);
                }
            }
            ascending[k] = order.get(k).ascending();
            nullsFirst[k] = order.get(k).nullsFirst();
        }
        this.toSkip = Math.max(0, offset);
        this.remaining = limit < 0 ? Long.MAX_VALUE : limit;
        this.heap = new PriorityQueue<>(Math.max(1, sources.size()), this::compare);
    }

    private int compare(Cursor a, Cursor b) {
        for (int k = 0; k < orderColumns.length; k++) {
            Object x = a.keys[k];
            Object y = b.keys[k];
            int c;
            if (x == null || y == null) {
                if (x == y) {
                    continue;
                }
                c = (x == null) == nullsFirst[k] ? -1 : 1;
                return c;
            }
            c = PgOrder.INSTANCE.compare(x, y);
            if (c != 0) {
                return ascending[k] ? c : -c;
            }
        }
        return Integer.compare(a.position, b.position);
    }

    /** True when the row's DISTINCT ON keys equal the previous row's (NULLs equal); else remembers them. */
    private boolean sameGroup(Object[] keys) {
        if (lastGroup != null) {
            boolean same = true;
            for (int k = 0; k < distinctOn && same; k++) {
                same = PgOrder.same(keys[k], lastGroup[k]);
            }
            if (same) {
                return true;
            }
        }
        lastGroup = java.util.Arrays.copyOf(keys, distinctOn);
        return false;
    }

    @Override
    public boolean next() throws SQLException {
        checkOpen();
        if (!started) {
            started = true;
            for (int i = 0; i < sources.size(); i++) {
                ResultSet rs = sources.get(i);
                if (rs.next()) {
                    Cursor c = new Cursor(rs, i);
                    c.load();
                    heap.add(c);
                }
            }
        } else if (current != null) {
            if (current.rs.next()) {
                current.load();
                heap.add(current);
            }
            current = null;
        }
        while (true) {
            if (remaining <= 0) {
                current = null;
                return false;
            }
            Cursor c = heap.poll();
            if (c == null) {
                current = null;
                return false;
            }
            if (distinctOn > 0 && sameGroup(c.keys)) {
                if (c.rs.next()) {
                    c.load();
                    heap.add(c);
                }
                continue;
            }
            if (toSkip > 0) {
                toSkip--;
                if (c.rs.next()) {
                    c.load();
                    heap.add(c);
                }
                continue;
            }
            remaining--;
            current = c;
            row++;
            return true;
        }
    }

    @Override
    ResultSet current() throws SQLException {
        checkOpen();
        if (current == null) {
            throw new SQLException("Strata: the result set is not positioned on a row; call next()", "24000");
        }
        return current.rs;
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
        ResultSetMetaData md = sources.get(0).getMetaData();
        for (int c = 1; c <= visible; c++) {
            if (md.getColumnLabel(c).equalsIgnoreCase(label)) {
                return c;
            }
        }
        throw new SQLException("Strata: the column name " + label + " was not found in this ResultSet.", "42703");
    }

    @Override
    public boolean wasNull() throws SQLException {
        return current().wasNull();
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        return new VisibleMetaData(sources.get(0).getMetaData(), visible, null);
    }

    @Override
    public int getRow() {
        return current == null ? 0 : row;
    }

    @Override
    public int getFetchSize() throws SQLException {
        return sources.get(0).getFetchSize();
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        for (ResultSet rs : sources) {
            rs.setFetchSize(rows);
        }
    }

    @Override
    public boolean isBeforeFirst() {
        return !started;
    }

    @Override
    public boolean isAfterLast() {
        return started && current == null;
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

    /** The shard results, for tests and for closing. */
    List<ResultSet> sources() {
        return new ArrayList<>(sources);
    }
}
