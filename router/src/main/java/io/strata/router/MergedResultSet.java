package io.strata.router;

import java.sql.ResultSet;
import java.util.List;

/**
 * The result of a SELECT that reached several shards, merged so that it equals what one database
 * holding all rows would return: ORDER BY by a streaming k-way merge (NULLs and ties as PostgreSQL
 * orders them), LIMIT/OFFSET applied after the merge, COUNT/SUM/MIN/MAX/AVG and GROUP BY combined
 * from per-shard partials, DISTINCT across shards. Read-only and forward-only. Reach it with
 * {@code resultSet.unwrap(MergedResultSet.class)}.
 */
public interface MergedResultSet extends ResultSet {

    /** The names of the shards whose results were merged, in shard order. */
    List<String> shards();

    /** True when rows are streamed from the shards; false when they were combined in memory (grouping). */
    boolean isStreaming();
}
