package io.strata.router.internal.plan;

import java.util.List;

/**
 * How a SELECT that reaches several shards is rewritten per shard and merged back.
 *
 * <p>Each shard returns the visible columns first, then {@code hiddenColumns} helper columns
 * (ORDER BY or GROUP BY expressions not in the select list, the COUNT half of an AVG). In
 * streaming mode the shard rows are merged in ORDER BY order and LIMIT/OFFSET applied on the fly;
 * in grouping mode (aggregates, GROUP BY, DISTINCT) the partial rows are combined in memory, then
 * sorted and cut.
 */
public record MergeSpec(
        String shardSql,
        int[] parameterMap,
        KeySource limit,
        KeySource offset,
        int hiddenColumns,
        List<OrderKey> order,
        boolean grouping,
        List<Column> columns,
        boolean distinct) {

    /** An ORDER BY key: a 1-based column of the shard row. */
    public record OrderKey(int column, boolean ascending, boolean nullsFirst) {}

    /** What a shard column is in grouping mode. */
    public enum Role {
        /** Part of the group key. */
        KEY,
        /** COUNT partial: summed. */
        COUNT,
        /** SUM partial: summed, NULL when every partial is NULL. */
        SUM,
        /** MIN partial. */
        MIN,
        /** MAX partial. */
        MAX,
        /** The SUM half of an AVG; {@link Column#countColumn} names the COUNT half. */
        AVG,
        /** The hidden COUNT half of an AVG. */
        AVG_COUNT
    }

    /** A shard column in grouping mode (1-based). Columns past the list are {@link Role#KEY}. */
    public record Column(int index, Role role, int countColumn) {}

    Role roleOf(int column) {
        if (columns == null || column > columns.size()) {
            return Role.KEY;
        }
        return columns.get(column - 1).role();
    }
}
