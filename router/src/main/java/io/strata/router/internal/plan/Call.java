package io.strata.router.internal.plan;

/**
 * One physical statement to run: the shard, the SQL text for it, for each of its placeholders the
 * index of the application's parameter to bind there ({@code null}: the same numbering), and for a
 * piece of a multi-row INSERT split by shard the statement's row indexes it carries, ascending
 * ({@code null} otherwise), so that returned rows and keys can be put back in the statement's row
 * order. {@code bound} replaces some of the application's parameters for this call only (see
 * {@link #replacement}), else null.
 */
public record Call(int shard, String sql, int[] parameterMap, int[] rows, Bind[] bound) {

    /** Binds a value this call replaces at a (possibly renumbered) index. */
    @FunctionalInterface
    public interface Bind {
        /** Binds the value at {@code index}. */
        void bind(java.sql.PreparedStatement statement, int index) throws java.sql.SQLException;
    }

    Call(int shard, String sql, int[] parameterMap) {
        this(shard, sql, parameterMap, null, null);
    }

    Call(int shard, String sql, int[] parameterMap, int[] rows) {
        this(shard, sql, parameterMap, rows, null);
    }

    /**
     * This call's replacement for the application's parameter {@code index} ({@code bound}, by
     * index - 1: an {@code = ANY(?)} array cut to this shard's keys), or null: bind the application's.
     */
    public Bind replacement(int index) {
        return bound == null || index > bound.length ? null : bound[index - 1];
    }
}
