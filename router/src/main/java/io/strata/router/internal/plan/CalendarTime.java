package io.strata.router.internal.plan;

import java.util.TimeZone;

/**
 * A {@code setTimestamp}/{@code setDate} parameter given with a {@code Calendar}: pgjdbc renders
 * the value's wall clock in the calendar's zone, so a time-range table must read it in that zone,
 * not the JVM's.
 */
public record CalendarTime(java.util.Date value, TimeZone zone) {}
