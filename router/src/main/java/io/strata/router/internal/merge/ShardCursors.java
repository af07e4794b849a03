package io.strata.router.internal.merge;

import io.strata.router.MergedResultSet;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.List;

/**
 * A merged result read from open shard result sets, one row at a time: what every such result
 * does the same way (the shards it read, closing every shard cursor, the statement it belongs to).
 */
abstract class ShardCursors extends DelegatingResultSet implements MergedResultSet {

    final List<ResultSet> sources;
    private final List<String> shardNames;
    private final Statement owner;
    private boolean closed;

    ShardCursors(List<ResultSet> sources, List<String> shardNames, Statement owner) {
        this.sources = sources;
        this.shardNames = shardNames;
        this.owner = owner;
    }

    @Override
    public List<String> shards() {
        return shardNames;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    /** Closes every shard cursor; the first failure is thrown after all were tried. */
    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        SQLException first = null;
        for (ResultSet rs : sources) {
            try {
                rs.close();
            } catch (SQLException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    final void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Strata: the result set is closed", "24000");
        }
    }

    @Override
    public Statement getStatement() {
        return owner;
    }

    @Override
    public SQLWarning getWarnings() {
        return null;
    }

    @Override
    public void clearWarnings() {}
}
