package io.strata.router;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a {@linkplain TableRule#timeRange time-range table} is cut: rows are placed by the value of a
 * {@code timestamp}, {@code timestamptz} or {@code date} column, in fixed intervals (hour, day, ISO
 * week starting Monday, calendar month), and the intervals are dealt to shards round-robin: the
 * interval that contains {@link #epoch} goes to the first shard of {@link #shards} (all shards in
 * shard-map order unless listed), the next interval to the second, and so on (earlier intervals
 * cycle backwards). Interval boundaries are wall-clock times in {@link #zone} (UTC unless
 * configured); see the router README, "Time-range tables", for how each column type is read.
 *
 * @param column the time column, lower case
 * @param type the column's SQL type
 * @param interval the length of an interval
 * @param zone the zone whose wall clock cuts intervals of a {@code timestamptz} column and reads the
 *     clock for retention and {@code now()} bounds of {@code timestamp}/{@code date} columns
 * @param epoch a wall-clock time whose interval goes to the first shard of the cycle
 * @param shards the shard cycle by name; empty: every shard in shard-map order
 * @param retention rows older than this are removed interval by interval, or null to keep them
 */
public record TimeRange(
        String column,
        ColumnType type,
        Interval interval,
        ZoneId zone,
        LocalDateTime epoch,
        List<String> shards,
        @Nullable Duration retention) {

    /** The default epoch: 1970-01-01 00:00. */
    public static final LocalDateTime DEFAULT_EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

    /** The SQL type of the time column. */
    public enum ColumnType {
        /** {@code timestamp} (without time zone): wall-clock values, cut on their own wall clock. */
        TIMESTAMP,
        /** {@code timestamptz}: instants, cut on the configured zone's wall clock. */
        TIMESTAMPTZ,
        /** {@code date}: days; the interval cannot be {@link Interval#HOUR}. */
        DATE
    }

    /** The length of one interval; each starts at a wall-clock boundary. */
    public enum Interval {
        /** Starts at every full hour. */
        HOUR,
        /** Starts at midnight. */
        DAY,
        /** Starts at midnight on Monday (ISO weeks). */
        WEEK,
        /** Starts at midnight on the first of the month. */
        MONTH
    }

    /** Checks the components. */
    public TimeRange {
        Objects.requireNonNull(column, "column cannot be null");
        Objects.requireNonNull(type, "type cannot be null");
        Objects.requireNonNull(interval, "interval cannot be null");
        Objects.requireNonNull(zone, "zone cannot be null");
        Objects.requireNonNull(epoch, "epoch cannot be null");
        shards = List.copyOf(shards);
        if (type == ColumnType.DATE && interval == Interval.HOUR) {
            throw new IllegalArgumentException("interval cannot be HOUR for a date column '" + column + "'");
        }
        if (retention != null && (retention.isNegative() || retention.isZero())) {
            throw new IllegalArgumentException("retention must be positive but was " + retention);
        }
    }
}
