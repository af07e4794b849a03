package io.strata.router.internal.plan;

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
        } else {
            throw new SQLException(
                    "Strata: parameter " + parameter + " of key = ANY(?) must be an array but was "
                            + (v == null ? "null" : v.getClass().getName()),
                    "22023");
        }
        return out;
    }
}
