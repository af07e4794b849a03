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
        boolean distinct,
        List<Computed> computed,
        Formula having,
        boolean oneRowWithoutGroups,
        int distinctOn) {

    /** The spec of a merge without computed columns, HAVING, or added shard-side grouping. */
    public MergeSpec(
            String shardSql,
            int[] parameterMap,
            KeySource limit,
            KeySource offset,
            int hiddenColumns,
            List<OrderKey> order,
            boolean grouping,
            List<Column> columns,
            boolean distinct) {
        this(
                shardSql,
                parameterMap,
                limit,
                offset,
                hiddenColumns,
                order,
                grouping,
                columns,
                distinct,
                List.of(),
                null,
                false,
                0);
    }

    /**
     * A value computed after the merge from merged columns: aggregate arithmetic
     * ({@code 100.00 * sum(a) / sum(b)}) and HAVING. Numbers follow PostgreSQL: integer arithmetic
     * on bigint partials, exact numeric arithmetic with numeric's scale rules, float8 on doubles.
     */
    public sealed interface Formula {
        /** A shard column (1-based; negative: the k-th hidden column). */
        record Ref(int column) implements Formula {}

        /** A literal: Long, BigDecimal, or null. */
        record Const(Object value) implements Formula {}

        /**
         * A bind parameter (its index in the application's statement), valued and typed per execution
         * as pgjdbc binds it (setInt: integer, setLong: bigint, setBigDecimal: numeric, ...).
         */
        record Param(int index) implements Formula {}

        /** A binary operator: + - * / < <= > >= = <> AND OR. */
        record Op(String op, Formula left, Formula right) implements Formula {}

        /** NOT (boolean) or unary minus (number), by {@code op}. */
        record Unary(String op, Formula operand) implements Formula {}

        /**
         * A variance or standard deviation ({@code name}: var_samp, var_pop, stddev_samp, stddev_pop)
         * from the merged hidden columns {@code count}, {@code sum} and {@code squares} (COUNT(x),
         * SUM(x::numeric), SUM(x::numeric * x::numeric)); {@code type} is a hidden column typed as
         * PostgreSQL types the aggregate itself (numeric, or double precision for float input).
         */
        record Variance(String name, int count, int sum, int squares, int type) implements Formula {}

        /**
         * {@code string_agg(v, separator ORDER BY keys)} from the collected hidden columns
         * {@code values} and {@code keys} (per-shard arrays in the call's order); {@code type} is the
         * aggregate as a typed NULL column.
         */
        record StringAgg(String separator, int values, int[] keys, boolean[] ascending, boolean[] nullsFirst, int type)
                implements Formula {}
    }

    /** A visible column whose value is {@code formula}, computed after the merge. */
    public record Computed(int column, Formula formula) {}

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
        AVG_COUNT,
        /** BOOL_AND / EVERY partial: true unless a partial is false, NULL when all are NULL. */
        BOOL_AND,
        /** BOOL_OR partial: false unless a partial is true, NULL when all are NULL. */
        BOOL_OR,
        /** A visible column computed after the merge ({@link Computed}); its shard value is NULL. */
        COMPUTED,
        /**
         * The argument of a DISTINCT aggregate, grouped by on the shards; {@link Column#countColumn}
         * names the visible column it feeds. Not part of the group key.
         */
        DISTINCT_ARG,
        /** COUNT(DISTINCT x) of the DISTINCT_ARG column {@link Column#countColumn}. */
        COUNT_DISTINCT,
        /** SUM(DISTINCT x). */
        SUM_DISTINCT,
        /** AVG(DISTINCT x). */
        AVG_DISTINCT,
        /** A per-shard array (array_agg in a string_agg's order), collected shard by shard for a formula. */
        COLLECT
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
