package io.strata.router.internal.plan;

import io.strata.router.internal.SqlStates;
import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Where a shard key value comes from in a statement: a literal, a JDBC parameter, or a JDBC array
 * parameter ({@code key = ANY(?)}).
 */
record KeySource(Object literal, int parameter, boolean array) {

    static KeySource literal(Object value) {
        return new KeySource(value, 0, false);
    }

    static KeySource parameter(int index, boolean array) {
        return new KeySource(null, index, array);
    }

    /** The key values this source stands for under the bound parameters. */
    List<Object> values(Param[] params) throws SQLException {
        if (parameter == 0) {
            return java.util.Collections.singletonList(literal);
        }
        if (params == null || parameter > params.length || params[parameter - 1] == null) {
            throw new SQLException("Strata: no value specified for parameter " + parameter, "07001");
        }
        Object v = params[parameter - 1].value();
        if (!array) {
            return java.util.Collections.singletonList(v);
        }
        List<Object> out = new ArrayList<>();
        if (v instanceof Array a) {
            v = a.getArray();
        }
        // A NULL element of key = ANY(?) matches no row (NULL = x is never true), so it names no shard.
        if (v instanceof Object[] objects) {
            for (Object o : objects) {
                if (o != null) {
                    out.add(o);
                }
            }
        } else if (v instanceof long[] longs) {
            for (long l : longs) {
                out.add(l);
            }
        } else if (v instanceof int[] ints) {
            for (int i : ints) {
                out.add(i);
            }
        } else if (v instanceof Collection<?> c) {
            for (Object o : c) {
                if (o != null) {
                    out.add(o);
                }
            }
        } else if (v instanceof String text) {
            // jOOQ (and any client binding setString(i, "{1,2}") with ?::bigint[]) sends PostgreSQL's
            // array text form.
            out.addAll(arrayLiteral(text, parameter));
        } else {
            throw new SQLException(
                    "Strata: parameter " + parameter + " of key = ANY(?) must be an array but was "
                            + (v == null ? "null" : v.getClass().getName()),
                    "22023");
        }
        return out;
    }

    /**
     * The non-NULL elements of a one-dimensional PostgreSQL array literal ({@code {1,2,NULL}},
     * {@code {"a b","c\\"d"}}), read as PostgreSQL's array input reads it: unquoted elements lose
     * leading and trailing white space, a backslash escapes the next character, an unquoted
     * {@code NULL} is SQL NULL. Anything else (several dimensions, bounds decoration, a malformed
     * literal) is refused with SR002: Strata routes only by keys it has read exactly.
     */
    static List<String> arrayLiteral(String text, int parameter) throws SQLException {
        int from = 0;
        int to = text.length();
        while (from < to && isSpace(text.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(text.charAt(to - 1))) {
            to--;
        }
        String t = text.substring(from, to);
        if (t.length() < 2 || t.charAt(0) != '{' || t.charAt(t.length() - 1) != '}') {
            throw notAnArray(t, parameter);
        }
        List<String> out = new ArrayList<>();
        String body = t.substring(1, t.length() - 1);
        if (body.chars().allMatch(c -> isSpace((char) c))) {
            return out;
        }
        int i = 0;
        int n = body.length();
        while (true) {
            while (i < n && isSpace(body.charAt(i))) {
                i++;
            }
            StringBuilder element = new StringBuilder();
            boolean quoted = false;
            boolean escaped = false;
            if (i < n && body.charAt(i) == '"') {
                quoted = true;
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = body.charAt(i++);
                    if (c == '\\' && i < n) {
                        element.append(body.charAt(i++));
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        element.append(c);
                    }
                }
                if (!closed) {
                    throw notAnArray(t, parameter);
                }
                while (i < n && isSpace(body.charAt(i))) {
                    i++;
                }
            } else {
                int lastKept = 0; // length of element up to its last non-blank or escaped character
                while (i < n && body.charAt(i) != ',') {
                    char c = body.charAt(i++);
                    if (c == '{' || c == '}' || c == '"') {
                        throw notAnArray(t, parameter);
                    }
                    if (c == '\\') {
                        if (i >= n) {
                            throw notAnArray(t, parameter);
                        }
                        element.append(body.charAt(i++));
                        lastKept = element.length();
                        escaped = true;
                    } else {
                        element.append(c);
                        if (!isSpace(c)) {
                            lastKept = element.length();
                        }
                    }
                }
                element.setLength(lastKept);
                if (element.length() == 0) {
                    throw notAnArray(t, parameter); // an empty unquoted element is malformed in PostgreSQL too
                }
            }
            String value = element.toString();
            if (quoted || escaped || !value.equalsIgnoreCase("null")) {
                out.add(value);
            }
            if (i >= n) {
                return out;
            }
            if (body.charAt(i) != ',') {
                throw notAnArray(t, parameter);
            }
            i++;
        }
    }

    /** The refusal of a text that is not a one-dimensional array literal (made only when thrown). */
    private static SQLException notAnArray(String t, int parameter) {
        return new SQLException(
                "Strata: parameter " + parameter + " of key = ANY(?) is the text '" + abbreviate(t)
                        + "', which Strata does not read as a one-dimensional array literal; bind a"
                        + " java.sql.Array (Connection.createArrayOf) or a Java array instead",
                SqlStates.NO_SHARD_KEY);
    }

    /** PostgreSQL's {@code scanner_isspace}: what its array input skips around elements. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
