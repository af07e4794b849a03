package io.strata.router.internal.merge;

import io.strata.replication.internal.jdbc.UnsupportedResultSet;
import io.strata.router.internal.SqlStates;
import java.sql.SQLException;

/**
 * What every merged result is as a cursor, however it merges: forward-only, read-only, held
 * over commit (its rows are already read, or come from shard cursors that stay open).
 */
abstract class MergedCursor extends UnsupportedResultSet {

    MergedCursor() {
        super(SqlStates.MERGED_RESULT_REFUSAL);
    }

    @Override
    public int getType() {
        return TYPE_FORWARD_ONLY;
    }

    @Override
    public int getConcurrency() {
        return CONCUR_READ_ONLY;
    }

    @Override
    public int getHoldability() {
        return HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public int getFetchDirection() {
        return FETCH_FORWARD;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        if (direction != FETCH_FORWARD) {
            throw unsupported("setFetchDirection");
        }
    }
}
