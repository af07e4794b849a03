package io.strata.router.internal.plan;

import io.strata.router.TimeRange;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.List;

/**
 * The intervals of one time-range table and the shard of each: interval {@code k} starts at the
 * wall-clock boundary {@code k} intervals after the boundary at or before the epoch, and lives on
 * {@code cycle[floorMod(k, cycle.length)]}.
 *
 * <p>For a {@code timestamptz} column an interval is the half-open range of instants from the first
 * instant whose wall clock (in the zone) reaches its start to the first that reaches the next
 * start, so every instant is in exactly one interval and the index never decreases with time, even
 * when a daylight-saving change repeats or skips wall-clock times.
 */
public final class TimeGrid {

    private final TimeRange spec;
    private final int[] cycle;
    private final LocalDateTime epochStart;

    /** The grid of {@code spec} over {@code shardNames} (shard-map order). */
    public TimeGrid(TimeRange spec, List<String> shardNames) {
        this.spec = spec;
        List<String> names = spec.shards().isEmpty() ? shardNames : spec.shards();
        this.cycle = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            int s = shardNames.indexOf(names.get(i));
            if (s < 0) {
                throw new IllegalStateException(
                        "time-range shard '" + names.get(i) + "' is not a shard; shards are " + shardNames);
            }
            cycle[i] = s;
        }
        this.epochStart = truncate(spec.epoch());
    }

    /** The table's placement. */
    public TimeRange spec() {
        return spec;
    }

    /** The start of the interval containing a wall-clock time. */
    LocalDateTime truncate(LocalDateTime t) {
        return switch (spec.interval()) {
            case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
            case DAY -> t.toLocalDate().atStartOfDay();
            case WEEK ->
                t.toLocalDate()
                        .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                        .atStartOfDay();
            case MONTH -> t.toLocalDate().withDayOfMonth(1).atStartOfDay();
        };
    }

    /** The index of the interval containing a wall-clock time. */
    public long index(LocalDateTime t) {
        LocalDateTime start = truncate(t);
        return switch (spec.interval()) {
            case HOUR -> ChronoUnit.HOURS.between(epochStart, start);
            case DAY -> ChronoUnit.DAYS.between(epochStart, start);
            case WEEK -> ChronoUnit.DAYS.between(epochStart, start) / 7;
            case MONTH ->
                (start.getYear() * 12L + start.getMonthValue() - 1)
                        - (epochStart.getYear() * 12L + epochStart.getMonthValue() - 1);
        };
    }

    /** The wall-clock start of interval {@code k}. */
    public LocalDateTime start(long k) {
        return switch (spec.interval()) {
            case HOUR -> epochStart.plusHours(k);
            case DAY -> epochStart.plusDays(k);
            case WEEK -> epochStart.plusWeeks(k);
            case MONTH -> epochStart.plusMonths(k);
        };
    }

    /** The first instant of interval {@code k} of a {@code timestamptz} column. */
    public Instant startInstant(long k) {
        return ZonedDateTime.ofLocal(start(k), spec.zone(), null).toInstant();
    }

    /** The index of the interval containing an instant (a {@code timestamptz} value). */
    public long index(Instant t) {
        long k = index(LocalDateTime.ofInstant(t, spec.zone()));
        // The wall clock can step back across a boundary (a daylight-saving change at midnight):
        // intervals are ranges of instants, so settle on the one whose start instants enclose t.
        while (!startInstant(k + 1).isAfter(t)) {
            k++;
        }
        while (startInstant(k).isAfter(t)) {
            k--;
        }
        return k;
    }

    /** The shard index of interval {@code k}. */
    public int shardOf(long k) {
        return cycle[(int) Math.floorMod(k, (long) cycle.length)];
    }

    /** The length of the shard cycle. */
    public int cycleLength() {
        return cycle.length;
    }
}
