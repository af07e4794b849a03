package io.strata.router;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one table is placed across shards: {@linkplain #sharded sharded} by a key column,
 * {@linkplain #broadcast broadcast} (a full copy on every shard; written to all, read from one), or
 * {@linkplain #single single} (lives on one named shard). Table and column names are matched
 * case-insensitively, without schema.
 */
public final class TableRule {

    /** The kind of placement. */
    public enum Kind {
        /** Rows spread over shards by the hash of a key column. */
        SHARDED,
        /** A full copy on every shard. */
        BROADCAST,
        /** The whole table on one shard. */
        SINGLE
    }

    private final String table;
    private final Kind kind;
    private final @Nullable String keyColumn;
    private final @Nullable KeyType keyType;
    private final @Nullable String shard;

    private TableRule(
            String table, Kind kind, @Nullable String keyColumn, @Nullable KeyType keyType, @Nullable String shard) {
        this.table = table;
        this.kind = kind;
        this.keyColumn = keyColumn;
        this.keyType = keyType;
        this.shard = shard;
    }

    /** A table whose rows live on the shard their {@code keyColumn} value hashes to. */
    public static TableRule sharded(String table, String keyColumn, KeyType keyType) {
        Objects.requireNonNull(keyType, "keyType cannot be null");
        return new TableRule(name(table, "table"), Kind.SHARDED, name(keyColumn, "keyColumn"), keyType, null);
    }

    /** A table copied in full on every shard. */
    public static TableRule broadcast(String table) {
        return new TableRule(name(table, "table"), Kind.BROADCAST, null, null, null);
    }

    /** A table that lives on one shard. */
    public static TableRule single(String table, String shard) {
        return new TableRule(name(table, "table"), Kind.SINGLE, null, null, name(shard, "shard"));
    }

    private static String name(String value, String parameter) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(parameter + " cannot be null or blank but was '" + value + "'");
        }
        return value.trim().toLowerCase(Locale.ROOT);
    }

    /** The table name, lower case. */
    public String table() {
        return table;
    }

    /** The placement. */
    public Kind kind() {
        return kind;
    }

    /** The key column (lower case) of a sharded table, else null. */
    public @Nullable String keyColumn() {
        return keyColumn;
    }

    /** The declared key type of a sharded table, else null. */
    public @Nullable KeyType keyType() {
        return keyType;
    }

    /** The shard of a single table, else null. */
    public @Nullable String shard() {
        return shard;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableRule r
                && r.table.equals(table)
                && r.kind == kind
                && Objects.equals(r.keyColumn, keyColumn)
                && r.keyType == keyType
                && Objects.equals(r.shard, shard);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, kind, keyColumn, keyType, shard);
    }

    @Override
    public String toString() {
        switch (kind) {
            case SHARDED:
                return "TableRule{" + table + " sharded by " + keyColumn + " " + keyType + "}";
            case SINGLE:
                return "TableRule{" + table + " single on " + shard + "}";
            default:
                return "TableRule{" + table + " broadcast}";
        }
    }
}
