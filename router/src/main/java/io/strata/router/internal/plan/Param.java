package io.strata.router.internal.plan;

import io.strata.replication.internal.jdbc.RecordedParameter;

/**
 * One bound JDBC parameter of a logical prepared statement: the value the router routes by
 * ({@link #value()}), and the setter the application called, replayed on a shard's statement at
 * the placeholder's position there ({@link #binder()}). A slot of the statement, reused by later
 * setter calls on the same index: valid for the execution it is passed to, copied for a batch row.
 */
public final class Param extends RecordedParameter {

    /** An empty slot, filled by the statement's setters. */
    public Param() {}

    /** A parameter set by {@code setObject(index, value)} (for tests and internal callers). */
    public static Param of(Object value) {
        Param p = new Param();
        p.recordObject(value);
        return p;
    }

    /**
     * The value time-range routing reads: {@link #value()}, except that a {@code setDate} or
     * {@code setTimestamp} given a {@code Calendar} becomes a {@link CalendarTime} in the
     * calendar's zone, since pgjdbc renders it on that zone's wall clock (a {@code setTime} value
     * stays as it is: no time-range column holds a time of day).
     */
    public Object routingValue() {
        Object v = value();
        java.util.Calendar cal = calendar();
        if (cal == null || !(v instanceof java.util.Date d) || v instanceof java.sql.Time) {
            return v;
        }
        return new CalendarTime(d, cal.getTimeZone());
    }

    /**
     * How to bind this parameter again, {@link #bind(java.sql.PreparedStatement, int)}: the very
     * setter the application called. The slot itself (kept for the callers written against the
     * former record with a binder function).
     */
    public Param binder() {
        return this;
    }

    @Override
    public Param copy() {
        Param p = new Param();
        p.copyFrom(this);
        return p;
    }
}
