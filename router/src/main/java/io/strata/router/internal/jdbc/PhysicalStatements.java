package io.strata.router.internal.jdbc;

import java.sql.Statement;
import java.util.Arrays;

/**
 * The physical statements of one logical statement, by shard and, for a prepared one, SQL text (a
 * plain statement runs any SQL on one physical statement per shard: its key's text is null).
 *
 * <p>A logical statement reaches few shards, and a routed point select reaches one: the first
 * entry is held in fields, so finding it allocates nothing (no map, no key object); later ones go
 * to small parallel arrays searched linearly.
 *
 * <p>Concurrency: guarded by {@code this}. {@code cancel()} may come from another thread, and an
 * execution may look statements up from several threads at once; callers that look up and then
 * create hold the lock across both ({@code synchronized (statements) {...}}).
 */
final class PhysicalStatements {

    private int size;
    private int firstShard;
    private String firstSql;
    private Statement first;
    private int[] shards;
    private String[] sqls;
    private Statement[] statements;

    /** The statement for {@code shard} and {@code sql} (null for a plain statement), or null. */
    synchronized Statement find(int shard, String sql) {
        if (size > 0 && firstShard == shard && same(firstSql, sql)) {
            return first;
        }
        for (int i = 0; i < size - 1; i++) {
            if (shards[i] == shard && same(sqls[i], sql)) {
                return statements[i];
            }
        }
        return null;
    }

    /** Sets the statement for {@code shard} and {@code sql}, replacing one that was there. */
    synchronized void put(int shard, String sql, Statement statement) {
        if (size > 0 && firstShard == shard && same(firstSql, sql)) {
            first = statement;
            return;
        }
        for (int i = 0; i < size - 1; i++) {
            if (shards[i] == shard && same(sqls[i], sql)) {
                statements[i] = statement;
                return;
            }
        }
        if (size == 0) {
            firstShard = shard;
            firstSql = sql;
            first = statement;
            size = 1;
            return;
        }
        int i = size - 1;
        if (shards == null) {
            shards = new int[4];
            sqls = new String[4];
            statements = new Statement[4];
        } else if (i == shards.length) {
            shards = Arrays.copyOf(shards, i * 2);
            sqls = Arrays.copyOf(sqls, i * 2);
            statements = Arrays.copyOf(statements, i * 2);
        }
        shards[i] = shard;
        sqls[i] = sql;
        statements[i] = statement;
        size++;
    }

    /**
     * The {@code i}-th statement (0-based, in the order they were made), or null past the last:
     * cancel and close walk them with it, allocating nothing, and act on each outside the lock.
     */
    synchronized Statement get(int i) {
        if (i >= size) {
            return null;
        }
        return i == 0 ? first : statements[i - 1];
    }

    /** Every statement (a copy; tests and diagnostics, the hot paths walk {@link #get}). */
    synchronized Statement[] values() {
        Statement[] out = new Statement[size];
        for (int i = 0; i < size; i++) {
            out[i] = i == 0 ? first : statements[i - 1];
        }
        return out;
    }

    /** Forgets every statement (they are closed by the caller). */
    synchronized void clear() {
        size = 0;
        firstSql = null;
        first = null;
        if (statements != null) {
            Arrays.fill(sqls, null);
            Arrays.fill(statements, null);
        }
    }

    /** Same SQL text: usually the very same string (the plan's), else equal text. */
    private static boolean same(String a, String b) {
        return a == b || (a != null && a.equals(b));
    }
}
