package io.strata.router.internal.plan;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * One bound JDBC parameter: the value the router routes by, and how to bind it again on a shard's
 * statement (replaying the very setter the application called).
 */
public record Param(Object value, Binder binder) {

    /** Replays a setter on a physical statement at a (possibly renumbered) index. */
    @FunctionalInterface
    public interface Binder {
        /** Binds the value at {@code index}. */
        void bind(PreparedStatement statement, int index) throws SQLException;
    }
}
