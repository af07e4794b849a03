package io.strata.router;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one table is placed across shards: {@linkplain #sharded sharded} by a key column,
 * {@linkplain #broadcast broadcast} (a full copy on every shard; written to all, read from one), or
 * {@linkplain #single single} (lives on one named shard), or {@linkplain #timeRange time-range}
 * (rows placed by a timestamp column in fixed intervals, dealt to shards round-robin, optionally
 * expired after a retention period). Table and column names are matched case-insensitively, without
 * schema.
 */
public final class TableRule {

    /** The kind of placement. */
    public enum Kind {
        /** Rows spread over shards by the hash of a key column. */
        SHARDED,
        /** A full copy on every shard. */
        BROADCAST,
        /** The whole table on one shard. */
        SINGLE,
        /** Rows spread over shards by the interval of a time column (see {@link TimeRange}). */
        TIME_RANGE;

        /** True for kinds whose rows are spread over shards (each shard holds a part of the table). */
        public boolean spread() {
            return this == SHARDED || this == TIME_RANGE;
        }
    }

    private final String table;
    private final Kind kind;
    private final @Nullable String keyColumn;
    private final @Nullable KeyType keyType;
    private final @Nullable String shard;
    private final @Nullable String slotIdColumn;
    private final @Nullable TimeRange timeRange;

    private TableRule(
            String table,
            Kind kind,
            @Nullable String keyColumn,
            @Nullable KeyType keyType,
            @Nullable String shard,
            @Nullable String slotIdColumn) {
        this(table, kind, keyColumn, keyType, shard, slotIdColumn, null);
    }

    private TableRule(
            String table,
            Kind kind,
            @Nullable String keyColumn,
            @Nullable KeyType keyType,
            @Nullable String shard,
            @Nullable String slotIdColumn,
            @Nullable TimeRange timeRange) {
        this.table = table;
        this.kind = kind;
        this.keyColumn = keyColumn;
        this.keyType = keyType;
        this.shard = shard;
        this.slotIdColumn = slotIdColumn;
        this.timeRange = timeRange;
    }

    /**
     * A table whose rows live on the shard of the interval their {@code column} value falls in:
     * intervals of {@code interval} length, cut at wall-clock boundaries in UTC, dealt round-robin
     * over every shard in shard-map order from the interval of 1970-01-01 00:00 (change with
     * {@link #withZone}, {@link #withEpoch}, {@link #withShards}); no retention unless
     * {@link #withRetention}. See {@link TimeRange}.
     */
    public static TableRule timeRange(
            String table, String column, TimeRange.ColumnType type, TimeRange.Interval interval) {
        String c = name(column, "column");
        TimeRange range = new TimeRange(c, type, interval, ZoneId.of("UTC"), TimeRange.DEFAULT_EPOCH, List.of(), null);
        return new TableRule(name(table, "table"), Kind.TIME_RANGE, c, null, null, null, range);
    }

    /** This time-range table with interval boundaries on {@code zone}'s wall clock. */
    public TableRule withZone(ZoneId zone) {
        Objects.requireNonNull(zone, "zone cannot be null");
        TimeRange t = time("withZone");
        return withTime(new TimeRange(t.column(), t.type(), t.interval(), zone, t.epoch(), t.shards(), t.retention()));
    }

    /** This time-range table with the interval containing {@code epoch} dealt to the first shard of the cycle. */
    public TableRule withEpoch(LocalDateTime epoch) {
        Objects.requireNonNull(epoch, "epoch cannot be null");
        TimeRange t = time("withEpoch");
        return withTime(new TimeRange(t.column(), t.type(), t.interval(), t.zone(), epoch, t.shards(), t.retention()));
    }

    /** As {@link #withEpoch(LocalDateTime)} from midnight of {@code epoch}. */
    public TableRule withEpoch(LocalDate epoch) {
        Objects.requireNonNull(epoch, "epoch cannot be null");
        return withEpoch(epoch.atStartOfDay());
    }

    /**
     * This time-range table with intervals dealt round-robin over these shards, in this order (a
     * shard may appear more than once to take a larger share); default every shard in shard-map
     * order.
     */
    public TableRule withShards(List<String> shards) {
        Objects.requireNonNull(shards, "shards cannot be null");
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("shards cannot be empty");
        }
        for (String s : shards) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException("shards cannot contain a null or blank name but was " + shards);
            }
        }
        TimeRange t = time("withShards");
        return withTime(new TimeRange(t.column(), t.type(), t.interval(), t.zone(), t.epoch(), shards, t.retention()));
    }

    /**
     * This time-range table with retention: whole intervals that ended at least {@code retention}
     * ago are removed from every shard ({@code ShardingDataSource.expire}, or on the builder's
     * schedule). A row younger than {@code retention} is never removed.
     */
    public TableRule withRetention(Duration retention) {
        Objects.requireNonNull(retention, "retention cannot be null");
        TimeRange t = time("withRetention");
        return withTime(new TimeRange(t.column(), t.type(), t.interval(), t.zone(), t.epoch(), t.shards(), retention));
    }

    private TimeRange time(String method) {
        if (timeRange == null) {
            throw new IllegalArgumentException(method + " applies to time-range tables but '" + table + "' is " + kind);
        }
        return timeRange;
    }

    private TableRule withTime(TimeRange t) {
        return new TableRule(table, kind, keyColumn, keyType, shard, slotIdColumn, t);
    }

    /** The time-range placement of a {@link Kind#TIME_RANGE} table, else null. */
    public @Nullable TimeRange timeRange() {
        return timeRange;
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

    /** The key column (lower case) of a sharded table, the time column of a time-range table, else null. */
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
                && Objects.equals(r.slotIdColumn, slotIdColumn)
                && Objects.equals(r.timeRange, timeRange);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, kind, keyColumn, keyType, shard, slotIdColumn, timeRange);
    }

    @Override
    public String toString() {
        switch (kind) {
            case SHARDED:
                return "TableRule{" + table + " sharded by " + keyColumn + " " + keyType
                        + (slotIdColumn == null ? "" : ", slot in " + slotIdColumn) + "}";
            case SINGLE:
                return "TableRule{" + table + " single on " + shard + "}";
            case TIME_RANGE:
                return "TableRule{" + table + " time-range " + timeRange + "}";
            default:
                return "TableRule{" + table + " broadcast}";
        }
    }
}
