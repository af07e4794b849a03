package io.strata.router.internal.plan;

import io.strata.router.TimeRange;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A time value as PostgreSQL would compare it with a time column: the instant it stands for when
 * read as {@code timestamptz} and the wall clock it stands for when read as {@code timestamp}
 * (either may be unknown: a {@code timestamp} value read as {@code timestamptz}, or the reverse,
 * depends on the session's {@code TimeZone}, which Strata does not track), plus an uncertainty
 * {@code widen} on both sides. A value that is not exact only ever widens the shards a read
 * reaches; a row is inserted only by an exact value.
 */
final class TimeValue {

    /** The SQL NULL: a comparison with it is never true. */
    static final TimeValue NULL = new TimeValue(null, null, false, Duration.ZERO);

    /** PostgreSQL's UTC offsets stay within 16 hours; a day covers any session time zone. */
    static final Duration ANY_ZONE = Duration.ofDays(1);

    final Instant instant;
    final LocalDateTime wall;
    /** A date: compares with a date column as that day. */
    final boolean date;

    final Duration widen;

    TimeValue(Instant instant, LocalDateTime wall, boolean date, Duration widen) {
        this.instant = instant;
        this.wall = wall;
        this.date = date;
        this.widen = widen;
    }

    boolean isNull() {
        return this == NULL;
    }

    /** The value of a JDBC parameter; null when Strata cannot read it as a time. */
    static TimeValue ofParameter(Object v) {
        if (v == null) {
            return NULL;
        }
        if (v instanceof CalendarTime ct) {
            if (ct.value() instanceof java.sql.Date d) {
                return new TimeValue(null, d.toLocalDate().atStartOfDay(), true, Duration.ZERO);
            }
            Instant i = ct.value().toInstant();
            return new TimeValue(i, LocalDateTime.ofInstant(i, ct.zone().toZoneId()), false, Duration.ZERO);
        }
        if (v instanceof Timestamp ts) {
            // pgjdbc sends the JVM-zone wall clock with its offset, untyped: read as timestamptz it is
            // this instant, read as timestamp this wall clock.
            return new TimeValue(ts.toInstant(), ts.toLocalDateTime(), false, Duration.ZERO);
        }
        if (v instanceof java.sql.Date d) {
            return new TimeValue(null, d.toLocalDate().atStartOfDay(), true, Duration.ZERO);
        }
        if (v instanceof LocalDate d) {
            return new TimeValue(null, d.atStartOfDay(), true, Duration.ZERO);
        }
        if (v instanceof LocalDateTime t) {
            return new TimeValue(null, t, false, Duration.ZERO);
        }
        if (v instanceof OffsetDateTime t) {
            return new TimeValue(t.toInstant(), null, false, Duration.ZERO);
        }
        if (v instanceof ZonedDateTime t) {
            return new TimeValue(t.toInstant(), null, false, Duration.ZERO);
        }
        if (v instanceof Instant i) {
            return new TimeValue(i, null, false, Duration.ZERO);
        }
        if (v instanceof String s) {
            return parse(s);
        }
        return null;
    }

    private static final Pattern TEXT = Pattern.compile(
            "\\s*(\\d{4})-(\\d{1,2})-(\\d{1,2})(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?"
                    + "\\s*(z|utc|[+-]\\d{1,2}(?::?\\d{2})?)?\\s*",
            Pattern.CASE_INSENSITIVE);

    /**
     * A time literal's text as PostgreSQL reads it: {@code 2026-01-31}, {@code 2026-01-31 23:00:05.5},
     * with an optional {@code T}, and an optional offset ({@code Z}, {@code UTC}, {@code +02},
     * {@code -05:30}). With an offset it is an instant (and, cast to {@code timestamp}, the wall
     * clock with the offset dropped, as PostgreSQL drops it); without, a wall-clock time. Other
     * text ({@code now}, {@code today}, {@code infinity}, zone names, BC dates) is not read: null.
     */
    static TimeValue parse(String text) {
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            return null;
        }
        try {
            LocalDate day = LocalDate.of(
                    Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            LocalTime time = LocalTime.MIDNIGHT;
            if (m.group(4) != null) {
                int nanos = 0;
                if (m.group(7) != null) {
                    nanos = Integer.parseInt((m.group(7) + "00000000").substring(0, 9));
                }
                time = LocalTime.of(
                        Integer.parseInt(m.group(4)),
                        Integer.parseInt(m.group(5)),
                        m.group(6) == null ? 0 : Integer.parseInt(m.group(6)),
                        nanos);
            }
            LocalDateTime wall = day.atTime(time);
            String zone = m.group(8);
            if (zone == null) {
                return new TimeValue(null, wall, m.group(4) == null, Duration.ZERO);
            }
            ZoneOffset offset = offset(zone.toLowerCase(Locale.ROOT));
            return new TimeValue(wall.toInstant(offset), wall, false, Duration.ZERO);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static ZoneOffset offset(String z) {
        if (z.equals("z") || z.equals("utc")) {
            return ZoneOffset.UTC;
        }
        int sign = z.charAt(0) == '-' ? -1 : 1;
        String digits = z.substring(1).replace(":", "");
        int hours;
        int minutes = 0;
        if (digits.length() <= 2) {
            hours = Integer.parseInt(digits);
        } else {
            hours = Integer.parseInt(digits.substring(0, digits.length() - 2));
            minutes = Integer.parseInt(digits.substring(digits.length() - 2));
        }
        return ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
    }

    /** This value under a cast to {@code type}; null for casts Strata does not follow. */
    TimeValue cast(String type) {
        if (isNull()) {
            return NULL;
        }
        String t = type.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        switch (t) {
            case "timestamptz", "timestamp with time zone":
                if (instant != null) {
                    return new TimeValue(instant, null, false, widen);
                }
                return new TimeValue(wall.toInstant(ZoneOffset.UTC), null, false, widen.plus(ANY_ZONE));
            case "timestamp", "timestamp without time zone":
                if (wall != null) {
                    return new TimeValue(null, wall, false, widen);
                }
                return new TimeValue(
                        null, LocalDateTime.ofInstant(instant, ZoneOffset.UTC), false, widen.plus(ANY_ZONE));
            case "date":
                if (wall != null) {
                    Duration w = widen.isZero() ? widen : widen.plusDays(1);
                    return new TimeValue(null, wall.toLocalDate().atStartOfDay(), true, w);
                }
                return new TimeValue(
                        null,
                        LocalDate.ofInstant(instant, ZoneOffset.UTC).atStartOfDay(),
                        true,
                        widen.plus(ANY_ZONE).plusDays(1));
            default:
                return null;
        }
    }

    /** This value plus ({@code sign} 1) or minus (-1) an interval. */
    TimeValue shift(int sign, IntervalParts interval) {
        if (isNull()) {
            return NULL;
        }
        long months = sign * interval.months();
        long days = sign * interval.days();
        long micros = sign * interval.micros();
        LocalDateTime w =
                wall == null ? null : wall.plusMonths(months).plusDays(days).plusNanos(micros * 1000);
        Instant i = null;
        Duration extra = Duration.ZERO;
        if (instant != null) {
            // timestamptz + days/months moves the session zone's wall clock (daylight saving, month
            // lengths there): follow it in UTC and widen by what a zone can change.
            i = LocalDateTime.ofInstant(instant, ZoneOffset.UTC)
                    .plusMonths(months)
                    .plusDays(days)
                    .toInstant(ZoneOffset.UTC)
                    .plusNanos(micros * 1000);
            if (months != 0) {
                extra = Duration.ofDays(3);
            } else if (days != 0) {
                extra = ANY_ZONE;
            }
        }
        return new TimeValue(i, w, false, widen.plus(extra));
    }

    /** Months, days and microseconds of an interval, as PostgreSQL keeps them. */
    record IntervalParts(long months, long days, long micros) {

        private static final Pattern PART = Pattern.compile("\\s*([+-]?\\d{1,9})\\s*([a-z]+)\\s*");

        /** An interval's text ({@code 7 days}, {@code 1 hour 30 minutes}, {@code 1 mon}); null if not read. */
        static IntervalParts parse(String text, String unit) {
            String t = text.toLowerCase(Locale.ROOT).trim();
            if (unit != null) {
                t = t + " " + unit.toLowerCase(Locale.ROOT);
            }
            long months = 0;
            long days = 0;
            long micros = 0;
            Matcher m = PART.matcher(t);
            int at = 0;
            boolean any = false;
            while (at < t.length()) {
                if (!m.find(at) || m.start() != at) {
                    return null;
                }
                long n = Long.parseLong(m.group(1));
                switch (m.group(2)) {
                    case "microsecond", "microseconds", "us", "usec", "usecs" -> micros += n;
                    case "millisecond", "milliseconds", "ms", "msec", "msecs" -> micros += n * 1_000L;
                    case "second", "seconds", "s", "sec", "secs" -> micros += n * 1_000_000L;
                    case "minute", "minutes", "m", "min", "mins" -> micros += n * 60_000_000L;
                    case "hour", "hours", "h", "hr", "hrs" -> micros += n * 3_600_000_000L;
                    case "day", "days", "d" -> days += n;
                    case "week", "weeks", "w" -> days += 7 * n;
                    case "month", "months", "mon", "mons" -> months += n;
                    case "year", "years", "y", "yr", "yrs" -> months += 12 * n;
                    default -> {
                        return null;
                    }
                }
                any = true;
                at = m.end();
            }
            return any ? new IntervalParts(months, days, micros) : null;
        }
    }

    /** Which intervals a value can fall in when compared with a column of the grid's table. */
    record Span(long low, long high, boolean exactStart) {}

    /** The span of this value for {@code grid}'s column; never called on NULL. */
    Span span(TimeGrid grid) {
        TimeRange.ColumnType type = grid.spec().type();
        if (type == TimeRange.ColumnType.TIMESTAMPTZ) {
            Instant at = instant;
            Duration w = widen;
            if (at == null) {
                at = wall.toInstant(ZoneOffset.UTC);
                w = w.plus(ANY_ZONE);
            }
            long low = grid.index(at.minus(w));
            long high = grid.index(at.plus(w));
            return new Span(low, high, w.isZero() && grid.startInstant(low).equals(at));
        }
        LocalDateTime at = wall;
        Duration w = widen;
        if (at == null) {
            at = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
            w = w.plus(ANY_ZONE);
        }
        LocalDateTime from = at.minus(w);
        if (type == TimeRange.ColumnType.DATE && !date && !at.toLocalTime().equals(LocalTime.MIDNIGHT)) {
            // Compared with a date column, a time of day is either dropped (the value cast to date)
            // or kept (the column cast to timestamp): both days can match.
            from = at.toLocalDate().atStartOfDay().minus(w);
        }
        long low = grid.index(from);
        long high = grid.index(at.plus(w));
        return new Span(low, high, w.isZero() && low == high && grid.start(low).equals(at));
    }

    /**
     * The interval a row with this value is stored in, or null when the value is not exact for the
     * column (a {@code timestamp} value into a {@code timestamptz} column or the reverse: the
     * session time zone decides).
     */
    Long rowInterval(TimeGrid grid) {
        if (!widen.isZero() || isNull()) {
            return null;
        }
        return switch (grid.spec().type()) {
            case TIMESTAMPTZ -> instant == null ? null : grid.index(instant);
            case TIMESTAMP -> wall == null ? null : grid.index(wall);
            case DATE -> wall == null ? null : grid.index(wall.toLocalDate().atStartOfDay());
        };
    }

    @Override
    public String toString() {
        if (isNull()) {
            return "NULL";
        }
        return (instant != null ? instant.toString() : wall.toString()) + (widen.isZero() ? "" : " +/- " + widen);
    }
}
