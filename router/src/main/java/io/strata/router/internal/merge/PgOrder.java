package io.strata.router.internal.merge;

import io.strata.router.internal.SqlStates;
import io.strata.router.internal.plan.Planner;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.temporal.Temporal;
import java.util.Comparator;
import java.util.UUID;

/**
 * Compares two non-null column values the way PostgreSQL orders them under the "C" collation:
 * numbers by value (NaN above every number), text by Unicode code point (= UTF-8 byte order),
 * booleans false before true, uuids as unsigned bytes, bytea as unsigned bytes, date/time values
 * chronologically.
 */
final class PgOrder implements Comparator<Object> {

    static final PgOrder INSTANCE = new PgOrder();

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return compareNumbers(x, y);
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof UUID x && b instanceof UUID y) {
            int c = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
            return c != 0 ? c : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return java.util.Arrays.compareUnsigned(x, y);
        }
        if (a instanceof OffsetDateTime x && b instanceof OffsetDateTime y) {
            return x.toInstant().compareTo(y.toInstant());
        }
        if (a instanceof java.util.Date x && b instanceof java.util.Date y) {
            // Timestamp.compareTo includes nanos; Date.getTime for plain dates.
            if (x instanceof java.sql.Timestamp tx && y instanceof java.sql.Timestamp ty) {
                return tx.compareTo(ty);
            }
            return Long.compare(x.getTime(), y.getTime());
        }
        if (a instanceof Comparable && a.getClass() == b.getClass()) {
            return ((Comparable) a).compareTo(b);
        }
        if (a instanceof Temporal && a instanceof Comparable && b instanceof Comparable) {
            return ((Comparable) a).compareTo(b);
        }
        return compareCodePoints(a.toString(), b.toString());
    }

    static int compareNumbers(Number x, Number y) {
        if (isIntegral(x) && isIntegral(y)) {
            return Long.compare(x.longValue(), y.longValue());
        }
        if (x instanceof Double || x instanceof Float || y instanceof Double || y instanceof Float) {
            double dx = x.doubleValue();
            double dy = y.doubleValue();
            // Double.compare puts NaN above +Infinity, as PostgreSQL does; -0.0 equals 0.0 in PostgreSQL.
            if (dx == dy) {
                return 0;
            }
            return Double.compare(dx, dy);
        }
        return toBigDecimal(x).compareTo(toBigDecimal(y));
    }

    static boolean isIntegral(Number n) {
        return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte;
    }

    static BigDecimal toBigDecimal(Number n) {
        if (n instanceof BigDecimal bd) {
            return bd;
        }
        if (isIntegral(n)) {
            return BigDecimal.valueOf(n.longValue());
        }
        if (n instanceof java.math.BigInteger bi) {
            return new BigDecimal(bi);
        }
        return new BigDecimal(n.toString());
    }

    static int compareCodePoints(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int cx = x.codePointAt(i);
            int cy = y.codePointAt(j);
            if (cx != cy) {
                return Integer.compare(cx, cy);
            }
            i += Character.charCount(cx);
            j += Character.charCount(cy);
        }
        return Integer.compare(x.length() - i, y.length() - j);
    }

    /** Equality for grouping and DISTINCT: values that compare equal are the same group. */
    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        return INSTANCE.compare(a, b) == 0;
    }

    /** A hash consistent with {@link #same}. */
    static int hash(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof Number n) {
            if (n instanceof Double || n instanceof Float) {
                double d = n.doubleValue();
                if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e18) {
                    return Long.hashCode((long) d);
                }
                return Double.hashCode(d == 0.0 ? 0.0 : d);
            }
            BigDecimal bd = toBigDecimal(n).stripTrailingZeros();
            try {
                return Long.hashCode(bd.longValueExact());
            } catch (ArithmeticException e) {
                return bd.hashCode();
            }
        }
        if (v instanceof byte[] b) {
            return java.util.Arrays.hashCode(b);
        }
        if (v instanceof OffsetDateTime o) {
            return o.toInstant().hashCode();
        }
        return v.hashCode();
    }

    /** Column types whose values this comparator orders exactly as PostgreSQL does. */
    private static final java.util.Set<String> ORDERED = java.util.Set.of(
            "int2",
            "int4",
            "int8",
            // pgjdbc reports columns with a sequence default or identity under these names
            "serial",
            "bigserial",
            "smallserial",
            "serial2",
            "serial4",
            "serial8",
            "oid",
            "numeric",
            "float4",
            "float8",
            "text",
            "varchar",
            "bpchar",
            "char",
            "name",
            "bool",
            "uuid",
            "bytea",
            "date",
            "time",
            "timestamp",
            "timestamptz");

    /** Types whose text form is equal exactly when PostgreSQL's equality says so (grouping only). */
    private static final java.util.Set<String> TEXT_EQUAL =
            java.util.Set.of("inet", "cidr", "macaddr", "macaddr8", "bit", "varbit");

    /**
     * Refuses ({@code SR001}) to order or to take MIN/MAX across shards by a column whose type this
     * comparator does not order as PostgreSQL does (intervals, enums, citext, json, ranges, ...),
     * rather than merging it in a wrong order.
     */
    static void requireOrdered(java.sql.ResultSetMetaData md, int column, String use) throws java.sql.SQLException {
        String type = typeName(md, column);
        if (!ORDERED.contains(type)) {
            throw new java.sql.SQLException(
                    "Strata: " + use + " across shards on a column of type " + type + " is not supported: the merge"
                            + " cannot order it as PostgreSQL does. Cast it (to text, numeric, ...) or query one shard.",
                    SqlStates.SHAPE_NOT_SUPPORTED);
        }
    }

    /** Refuses ({@code SR001}) to group or de-duplicate across shards by a column of unknown equality. */
    static void requireGroupable(java.sql.ResultSetMetaData md, int column) throws java.sql.SQLException {
        String type = typeName(md, column);
        // Arrays and jsonb are refused: their equality is numeric inside ({1.0} = {1}), and pgjdbc's
        // array objects do not compare by value.
        if (!ORDERED.contains(type) && !TEXT_EQUAL.contains(type)) {
            throw new java.sql.SQLException(
                    "Strata: GROUP BY / DISTINCT across shards on a column of type " + type + " is not supported:"
                            + " the merge cannot compare it as PostgreSQL does. Cast it or query one shard.",
                    SqlStates.SHAPE_NOT_SUPPORTED);
        }
    }

    private static String typeName(java.sql.ResultSetMetaData md, int column) throws java.sql.SQLException {
        String type = md.getColumnTypeName(column);
        return type == null ? "unknown" : Planner.unquote(type).toLowerCase(java.util.Locale.ROOT);
    }
}
