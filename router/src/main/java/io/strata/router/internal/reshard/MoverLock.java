package io.strata.router.internal.reshard;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A session advisory lock on the metadata shard for one move, held while a mover drives it. A
 * mover killed with {@code kill -9} loses it with its connection, so a restarted mover can go on.
 */
final class MoverLock implements AutoCloseable {

    private static final int LOCK_SPACE = 0x5354524d; // "STRM"

    private final Connection connection;
    private final String moveId;

    private MoverLock(Connection connection, String moveId) {
        this.connection = connection;
        this.moveId = moveId;
    }

    static MoverLock take(ShardEndpoint meta, String moveId) throws SQLException {
        Connection c = meta.connect();
        try {
            if (!Sql.bool(c, "SELECT pg_try_advisory_lock(?, hashtext(?))", LOCK_SPACE, moveId)) {
                throw Mover.rejected("move " + moveId + " is being driven by another mover right now; wait for it or"
                        + " stop it first");
            }
            return new MoverLock(c, moveId);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Unlocks before closing: a closed connection's backend releases its locks only when it exits,
     * after {@code close()} returned, so the next phase's {@link #take} (cutover, then finish, at
     * once) could find the lock still held and refuse.
     */
    @Override
    public void close() throws SQLException {
        try {
            Sql.bool(connection, "SELECT pg_advisory_unlock(?, hashtext(?))", LOCK_SPACE, moveId);
        } finally {
            connection.close();
        }
    }
}
