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
    private final @Nullable String slotIdColumn;

    private TableRule(
            String table,
            Kind kind,
            @Nullable String keyColumn,
            @Nullable KeyType keyType,
            @Nullable String shard,
            @Nullable String slotIdColumn) {
        this.table = table;
        this.kind = kind;
        this.keyColumn = keyColumn;
        this.keyType = keyType;
        this.shard = shard;
        this.slotIdColumn = slotIdColumn;
    }

    /**
     * This sharded table with a {@code bigint} id column whose values carry the slot of the row's
     * shard key ({@link IdGenerator#next(Object, KeyType)}): statements that name the row by its id
     * alone ({@code WHERE id = ?}, {@code IN}, {@code = ANY(?)}) are routed by the slot in the id,
     * and an UPDATE may set the shard key to a value of the same slot. Declare it only when every
     * id of the table comes from such a generator: an id that does not carry its row's slot would
     * be looked for on the wrong shard.
     */
    public TableRule withSlotId(String idColumn) {
        if (kind != Kind.SHARDED) {
            throw new IllegalArgumentException("withSlotId applies to sharded tables but '" + table + "' is " + kind);
        }
        String column = name(idColumn, "idColumn");
        if (column.equals(keyColumn)) {
            throw new IllegalArgumentException(
                    "idColumn must differ from the shard key '" + keyColumn + "' but was '" + idColumn + "'");
        }
        return new TableRule(table, kind, keyColumn, keyType, shard, column);
    }

    /** The id column whose values carry the shard key's slot (lower case), else null. */
    public @Nullable String slotIdColumn() {
        return slotIdColumn;
    }

    /** A table whose rows live on the shard their {@code keyColumn} value hashes to. */
    public static TableRule sharded(String table, String keyColumn, KeyType keyType) {
        Objects.requireNonNull(keyType, "keyType cannot be null");
        return new TableRule(name(table, "table"), Kind.SHARDED, name(keyColumn, "keyColumn"), keyType, null, null);
    }

    /** A table copied in full on every shard. */
    public static TableRule broadcast(String table) {
        return new TableRule(name(table, "table"), Kind.BROADCAST, null, null, null, null);
    }

    /** A table that lives on one shard. */
    public static TableRule single(String table, String shard) {
        return new TableRule(name(table, "table"), Kind.SINGLE, null, null, name(shard, "shard"), null);
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
                && Objects.equals(r.shard, shard)
                && Objects.equals(r.slotIdColumn, slotIdColumn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, kind, keyColumn, keyType, shard, slotIdColumn);
    }

    @Override
    public String toString() {
        switch (kind) {
            case SHARDED:
                return "TableRule{" + table + " sharded by " + keyColumn + " " + keyType
                        + (slotIdColumn == null ? "" : ", slot in " + slotIdColumn) + "}";
            case SINGLE:
                return "TableRule{" + table + " single on " + shard + "}";
            default:
                return "TableRule{" + table + " broadcast}";
        }
    }
}
