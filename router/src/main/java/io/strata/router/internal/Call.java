package io.strata.router.internal;

/**
 * One physical statement to run: the shard, the SQL text for it, and for each of its placeholders
 * the index of the application's parameter to bind there ({@code null}: the same numbering).
 */
record Call(int shard, String sql, int[] parameterMap) {}
