package io.strata.router;

import java.sql.SQLException;

/** Turns SQL text into a {@link RoutePlan}; parses each distinct text once and caches the plan. */
public interface RoutePlanner {

    /**
     * The plan for {@code sql}.
     *
     * @throws SQLException when the statement cannot be routed safely; the message says why and
     *     how to route it explicitly with a {@link ShardHint}
     */
    RoutePlan plan(String sql) throws SQLException;
}
