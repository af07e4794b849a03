package io.strata.router.internal.merge;

import io.strata.router.internal.plan.MergeSpec;
import io.strata.router.internal.plan.MergeSpec.Role;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merge of grouped shard results (aggregates, GROUP BY, DISTINCT): every shard's partial rows
 * are combined in memory by group key (COUNT and SUM added, MIN/MAX compared, AVG = combined SUM /
 * combined COUNT with PostgreSQL's numeric division scale), then sorted by the ORDER BY and cut by
 * OFFSET/LIMIT. Memory grows with the number of groups, not rows.
 */
public final class GroupedMerge extends MaterializedRows {

    public GroupedMerge(
            List<ResultSet> sources,
            List<String> shardNames,
            Statement owner,
            MergeSpec spec,
            long offset,
            long limit,
            TextOrder text,
            io.strata.router.internal.plan.Param[] params)
            throws SQLException {
        this.shardNames = shardNames;
        this.owner = owner;
        try {
            ResultSetMetaData md = sources.get(0).getMetaData();
            int width = md.getColumnCount();
            this.visible = width - spec.hiddenColumns();
            Role[] roles = new Role[width + 1];
            int[] countColumn = new int[width + 1];
            java.util.Arrays.fill(roles, Role.KEY);
            if (spec.columns() != null) {
                for (MergeSpec.Column c : spec.columns()) {
                    int at = abs(c.index());
                    roles[at] = c.role();
                    if (c.role() == Role.AVG) {
                        countColumn[at] = abs(c.countColumn());
                        roles[countColumn[at]] = Role.AVG_COUNT;
                    } else if (c.role() == Role.COUNT_DISTINCT
                            || c.role() == Role.SUM_DISTINCT
                            || c.role() == Role.AVG_DISTINCT) {
                        countColumn[at] = abs(c.countColumn()); // the DISTINCT_ARG column
                    }
                }
            }
            boolean[] average = new boolean[visible + 1];
            for (int c = 1; c <= visible; c++) {
                average[c] = roles[c] == Role.AVG;
            }
            this.metaData = new VisibleMetaData(md, visible, average);
            List<Integer> keyColumns = new ArrayList<>();
            for (int c = 1; c <= width; c++) {
                if (roles[c] == Role.KEY) {
                    keyColumns.add(c);
                    PgOrder.requireGroupable(md, c);
                    text.requireGroupable(md, c);
                } else if (roles[c] == Role.DISTINCT_ARG) {
                    PgOrder.requireGroupable(md, c);
                    text.requireGroupable(md, c);
                } else if (roles[c] == Role.MIN || roles[c] == Role.MAX) {
                    PgOrder.requireOrdered(md, c, roles[c] == Role.MIN ? "MIN" : "MAX");
                    text.requireOrdered(md, c, roles[c] == Role.MIN ? "MIN" : "MAX");
                }
            }
            for (MergeSpec.OrderKey k : spec.order()) {
                PgOrder.requireOrdered(md, abs(k.column()), "ORDER BY");
                text.requireOrdered(md, abs(k.column()), "ORDER BY");
            }
            // Every formula is typed before any row is merged: what the merge cannot compute as
            // PostgreSQL does is refused before the application sees a row.
            List<Formulas> compiled = new ArrayList<>();
            for (MergeSpec.Computed computed : spec.computed()) {
                int at = abs(computed.column());
                compiled.add(Formulas.compile(
                        computed.formula(),
                        col -> refType(md, roles, abs(col)),
                        md.getColumnTypeName(at),
                        at <= visible ? md.getColumnLabel(at) : "an expression over aggregates",
                        text.orderProblem,
                        params));
            }
            Formulas havingFormula = spec.having() == null
                    ? null
                    : Formulas.compile(
                            spec.having(),
                            col -> refType(md, roles, abs(col)),
                            "bool",
                            "HAVING",
                            text.orderProblem,
                            params);
            Map<GroupKey, Object[][]> groups = new LinkedHashMap<>();
            for (ResultSet rs : sources) {
                while (rs.next()) {
                    Object[] key = new Object[keyColumns.size()];
                    for (int k = 0; k < key.length; k++) {
                        key[k] = rs.getObject(keyColumns.get(k));
                    }
                    GroupKey gk = new GroupKey(key);
                    Object[][] acc = groups.get(gk);
                    if (acc == null) {
                        acc = newGroup(roles, width);
                        for (int c = 1; c <= width; c++) {
                            if (roles[c] == Role.KEY) {
                                acc[0][c] = rs.getObject(c);
                                acc[1][c] = rs.getString(c);
                            }
                        }
                        groups.put(gk, acc);
                    }
                    for (int c = 1; c <= width; c++) {
                        accumulate(roles[c], rs, c, acc);
                    }
                }
            }
            // Aggregates without GROUP BY always produce one row, even over no rows at all (the shards
            // return none when the merge had them group by DISTINCT arguments).
            if (groups.isEmpty() && spec.oneRowWithoutGroups()) {
                groups.put(new GroupKey(new Object[0]), newGroup(roles, width));
            }
            rows = new ArrayList<>(groups.size());
            texts = new ArrayList<>(groups.size());
            for (Object[][] acc : groups.values()) {
                Object[] values = acc[0];
                String[] strings = (String[]) acc[1];
                for (int c = 1; c <= width; c++) {
                    if (roles[c] == Role.AVG) {
                        values[c] = average(values[c], (Long) values[countColumn[c]]);
                    }
                }
                for (int c = 1; c <= width; c++) {
                    if (roles[c] == Role.COUNT_DISTINCT
                            || roles[c] == Role.SUM_DISTINCT
                            || roles[c] == Role.AVG_DISTINCT) {
                        @SuppressWarnings("unchecked")
                        Map<GroupKey, Object> set = (Map<GroupKey, Object>) values[countColumn[c]];
                        Number sum = null;
                        if (roles[c] != Role.COUNT_DISTINCT) {
                            // PostgreSQL sums bigint (and averages any integer) as numeric, so a sum of
                            // distinct bigints never overflows there and is a BigDecimal to JDBC.
                            boolean numeric = "numeric".equals(md.getColumnTypeName(c));
                            for (Object v : set.values()) {
                                sum = numeric ? addNumeric(sum, (Number) v) : add(sum, (Number) v);
                            }
                            if (sum != null && roles[c] == Role.SUM_DISTINCT) {
                                sum = asColumnType(sum, md.getColumnTypeName(c));
                            }
                        }
                        values[c] = roles[c] == Role.COUNT_DISTINCT
                                ? (Object) (long) set.size()
                                : roles[c] == Role.SUM_DISTINCT ? sum : average(sum, (long) set.size());
                    }
                }
                for (int k = 0; k < compiled.size(); k++) {
                    MergeSpec.Computed computed = spec.computed().get(k);
                    values[abs(computed.column())] = compiled.get(k).evaluate(computed.formula(), values, this::abs);
                }
                if (havingFormula != null
                        && !Boolean.TRUE.equals(havingFormula.evaluate(spec.having(), values, this::abs))) {
                    continue;
                }
                for (int c = 1; c <= width; c++) {
                    if (roles[c] != Role.KEY
                            && roles[c] != Role.MIN
                            && roles[c] != Role.MAX
                            && roles[c] != Role.COLLECT) {
                        strings[c] = text(values[c]);
                    }
                }
                rows.add(values);
                texts.add(strings);
            }
            sort(spec);
            long from = Math.max(0, offset);
            long to = limit < 0 || from + limit < from ? Long.MAX_VALUE : from + limit;
            if (from > 0 || to < rows.size()) {
                int a = (int) Math.min(from, rows.size());
                int b = (int) Math.min(to, rows.size());
                List<Object[]> r = new ArrayList<>(rows.subList(a, b));
                List<String[]> t = new ArrayList<>(texts.subList(a, b));
                rows.clear();
                rows.addAll(r);
                texts.clear();
                texts.addAll(t);
            }
        } finally {
            for (ResultSet rs : sources) {
                try {
                    rs.close();
                } catch (SQLException ignored) {
                    // the rows are already read
                }
            }
        }
    }

    /** The PostgreSQL type of a merged column as a formula sees it (a merged AVG is numeric or float8). */
    private static String refType(ResultSetMetaData md, Role[] roles, int c) throws SQLException {
        String shard = Formulas.normalize(md.getColumnTypeName(c));
        return switch (roles[c]) {
            case COUNT, AVG_COUNT, COUNT_DISTINCT -> "int8";
            case BOOL_AND, BOOL_OR -> "bool";
            case AVG ->
                shard.startsWith("float")
                        ? "float8"
                        : Set.of("int2", "int4", "int8", "numeric").contains(shard) ? "numeric" : "avg of " + shard;
            default -> shard;
        };
    }

    private int abs(int column) {
        return column > 0 ? column : visible - column;
    }

    private static Object[][] newGroup(Role[] roles, int width) {
        Object[][] acc = new Object[][] {new Object[width + 1], new String[width + 1]};
        for (int c = 1; c <= width; c++) {
            if (roles[c] == Role.COUNT || roles[c] == Role.AVG_COUNT) {
                acc[0][c] = 0L;
            } else if (roles[c] == Role.DISTINCT_ARG) {
                acc[0][c] = new LinkedHashMap<GroupKey, Object>();
            } else if (roles[c] == Role.COLLECT) {
                acc[0][c] = new ArrayList<Object[]>();
            }
        }
        return acc;
    }

    private static void accumulate(Role role, ResultSet rs, int c, Object[][] acc) throws SQLException {
        switch (role) {
            case BOOL_AND, BOOL_OR -> {
                Object v = rs.getObject(c);
                if (v != null) {
                    boolean b = (Boolean) v;
                    Object cur = acc[0][c];
                    acc[0][c] = cur == null ? b : role == Role.BOOL_AND ? (Boolean) cur && b : (Boolean) cur || b;
                }
            }
            case COLLECT -> {
                java.sql.Array array = rs.getArray(c);
                if (array != null) {
                    @SuppressWarnings("unchecked")
                    List<Object[]> arrays = (List<Object[]>) acc[0][c];
                    arrays.add((Object[]) array.getArray());
                }
            }
            case DISTINCT_ARG -> {
                Object v = rs.getObject(c);
                if (v != null) {
                    @SuppressWarnings("unchecked")
                    Map<GroupKey, Object> set = (Map<GroupKey, Object>) acc[0][c];
                    set.putIfAbsent(new GroupKey(new Object[] {v}), v);
                }
            }
            case COUNT, AVG_COUNT -> {
                long n = rs.getLong(c);
                acc[0][c] = Math.addExact((Long) acc[0][c], n);
            }
            case SUM, AVG -> {
                Object v = rs.getObject(c);
                if (v != null) {
                    acc[0][c] = add(acc[0][c], (Number) v);
                }
            }
            case MIN, MAX -> {
                Object v = rs.getObject(c);
                if (v != null) {
                    Object cur = acc[0][c];
                    int cmp = cur == null ? 0 : PgOrder.INSTANCE.compare(v, cur);
                    if (cur == null || (role == Role.MIN ? cmp < 0 : cmp > 0)) {
                        acc[0][c] = v;
                        acc[1][c] = rs.getString(c);
                    }
                }
            }
            default -> {}
        }
    }

    private static Number addNumeric(Number current, Number v) {
        BigDecimal b = PgOrder.toBigDecimal(v);
        return current == null ? b : PgOrder.toBigDecimal(current).add(b);
    }

    /** A merged SUM as the Java class pgjdbc gives for the column's type (int8 Long, numeric BigDecimal, ...). */
    private static Number asColumnType(Number sum, String typeName) {
        return switch (typeName) {
            case "numeric" -> PgOrder.toBigDecimal(sum);
            case "int8" -> sum.longValue();
            case "float8" -> sum.doubleValue();
            case "float4" -> sum.floatValue();
            default -> sum;
        };
    }

    private static Number add(Object current, Number v) throws SQLException {
        if (current == null) {
            return v;
        }
        Number cur = (Number) current;
        if (cur instanceof Double || v instanceof Double || cur instanceof Float || v instanceof Float) {
            if (cur instanceof Float && v instanceof Float) {
                return cur.floatValue() + v.floatValue();
            }
            return cur.doubleValue() + v.doubleValue();
        }
        if (PgOrder.isIntegral(cur) && PgOrder.isIntegral(v)) {
            try {
                return Math.addExact(cur.longValue(), v.longValue());
            } catch (ArithmeticException e) {
                throw new SQLException("bigint out of range", "22003");
            }
        }
        return PgOrder.toBigDecimal(cur).add(PgOrder.toBigDecimal(v));
    }

    /** AVG from the combined SUM and COUNT, as PostgreSQL computes it. */
    static Object average(Object sum, Long count) {
        if (sum == null || count == null || count == 0) {
            return null;
        }
        if (sum instanceof Double || sum instanceof Float) {
            return ((Number) sum).doubleValue() / count;
        }
        return divide(PgOrder.toBigDecimal((Number) sum), BigDecimal.valueOf(count));
    }

    /**
     * PostgreSQL's numeric division: the result scale is chosen by {@code select_div_scale} in
     * numeric.c, which gives at least 16 significant digits and no less than either input's
     * display scale, and the quotient is rounded half away from zero.
     */
    static BigDecimal divide(BigDecimal x, BigDecimal y) {
        int[] wx = weightAndFirstDigit(x);
        int[] wy = weightAndFirstDigit(y);
        int qweight = wx[0] - wy[0];
        if (wx[1] <= wy[1]) {
            qweight--;
        }
        int rscale = 16 - qweight * 4;
        rscale = Math.max(rscale, Math.max(x.scale(), 0));
        rscale = Math.max(rscale, Math.max(y.scale(), 0));
        rscale = Math.max(rscale, 0);
        rscale = Math.min(rscale, 1000);
        return x.divide(y, rscale, RoundingMode.HALF_UP);
    }

    /** The base-10000 weight and first base-10000 digit of |v|, as PostgreSQL's NumericVar holds them. */
    static int[] weightAndFirstDigit(BigDecimal v) {
        BigDecimal a = v.abs();
        if (a.signum() == 0) {
            return new int[] {0, 0};
        }
        int exp10 = a.precision() - a.scale() - 1; // floor(log10(a))
        int weight = Math.floorDiv(exp10, 4);
        BigDecimal first = a.movePointLeft(weight * 4).setScale(0, RoundingMode.DOWN);
        return new int[] {weight, first.intValue()};
    }

    private void sort(MergeSpec spec) {
        if (spec.order().isEmpty()) {
            return;
        }
        Comparator<Integer> cmp = (ia, ib) -> {
            Object[] a = rows.get(ia);
            Object[] b = rows.get(ib);
            for (MergeSpec.OrderKey k : spec.order()) {
                int c = abs(k.column());
                Object x = a[c];
                Object y = b[c];
                if (x == null || y == null) {
                    if (x == y) {
                        continue;
                    }
                    return (x == null) == k.nullsFirst() ? -1 : 1;
                }
                int r = PgOrder.INSTANCE.compare(x, y);
                if (r != 0) {
                    return k.ascending() ? r : -r;
                }
            }
            return Integer.compare(ia, ib);
        };
        List<Integer> order = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        order.sort(cmp);
        List<Object[]> r = new ArrayList<>(rows.size());
        List<String[]> t = new ArrayList<>(rows.size());
        for (int i : order) {
            r.add(rows.get(i));
            t.add(texts.get(i));
        }
        rows.clear();
        rows.addAll(r);
        texts.clear();
        texts.addAll(t);
    }

    static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Boolean b) {
            return b ? "t" : "f";
        }
        if (v instanceof BigDecimal bd) {
            return bd.toPlainString();
        }
        if (v instanceof Float f) {
            return floatText(f);
        }
        if (v instanceof Double) {
            return doubleText(((Number) v).doubleValue());
        }
        return v.toString();
    }

    /** float4 output as PostgreSQL (12+) prints it: shortest exact digits, exponent outside 1e-4..1e6. */
    static String floatText(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f) || f == 0) {
            return doubleText(f);
        }
        BigDecimal bd = new BigDecimal(Float.toString(f)).stripTrailingZeros();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 6) {
            String m = bd.movePointLeft(exp).toPlainString();
            return m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        return bd.toPlainString();
    }

    /** float8 output as PostgreSQL (12+) prints it: shortest exact digits, exponent outside 1e-4..1e15. */
    static String doubleText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 15) {
            BigDecimal mantissa = bd.movePointLeft(exp);
            String m = mantissa.toPlainString();
            return m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        return bd.toPlainString();
    }

    /** Group key with PostgreSQL equality semantics (1 = 1.0; NULLs group together). */
    private static final class GroupKey {
        final Object[] values;
        final int hash;

        GroupKey(Object[] values) {
            this.values = values;
            int h = 1;
            for (Object v : values) {
                h = h * 31 + PgOrder.hash(v);
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof GroupKey g) || g.values.length != values.length) {
                return false;
            }
            for (int i = 0; i < values.length; i++) {
                if (!PgOrder.same(values[i], g.values[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
