package io.strata.router.internal.plan;

/**
 * One physical statement to run: the shard, the SQL text for it, for each of its placeholders the
 * index of the application's parameter to bind there ({@code null}: the same numbering), and for a
 * piece of a multi-row INSERT split by shard the statement's row indexes it carries, ascending
 * ({@code null} otherwise), so that returned rows and keys can be put back in the statement's row
 * order.
 */
public record Call(int shard, String sql, int[] parameterMap, int[] rows) {

    Call(int shard, String sql, int[] parameterMap) {
        this(shard, sql, parameterMap, null);
    }
}
