package io.strata.router;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A seeded generator of SELECT statements over {@link RandomQueryDifferentialTest}'s schema, in the
 * shapes ORMs and report writers produce (SQLancer-style): qualified and aliased columns, filters,
 * expressions and casts, aggregates, GROUP BY / HAVING, ORDER BY forms, paging, DISTINCT, joins,
 * subqueries, CTEs, set operations, window functions, literals and bind parameters. Each statement
 * carries how its result may be compared with PostgreSQL's: in order only where the ORDER BY makes
 * the order total.
 */
final class RandomQueries {

    /** What of a result PostgreSQL determines, hence what may be compared. */
    enum Check {
        /** Every row, in order. */
        EXACT,
        /** The sort-key columns row by row, whole rows as a multiset. */
        SORT_KEYS_AND_BAG,
        /** The sort-key columns row by row (a LIMIT cuts a partial order). */
        SORT_KEYS,
        /** Whole rows as a multiset. */
        BAG,
        /** The number of rows only (LIMIT without a total order over hidden keys). */
        COUNT
    }

    /** One generated statement. */
    record Query(String sql, List<Object> params, Check check, int[] sortColumns) {
        @Override
        public String toString() {
            return sql + (params.isEmpty() ? "" : "  params " + describe(params)) + "  [" + check + "]";
        }

        private static String describe(List<Object> params) {
            StringBuilder sb = new StringBuilder("[");
            for (Object p : params) {
                sb.append(sb.length() == 1 ? "" : ", ")
                        .append(p instanceof Object[] a ? java.util.Arrays.toString(a) : p)
                        .append(" (")
                        .append(p.getClass().getSimpleName())
                        .append(')');
            }
            return sb.append(']').toString();
        }
    }

    enum Type {
        KEY,
        INT,
        NUM,
        FLOAT,
        DATE,
        TSTZ,
        TEXT,
        TKEY,
        BOOL
    }

    record Col(String expr, Type type) {}

    /** A FROM clause: its columns, the sets of columns unique per row, shard-key columns. */
    record Source(String from, List<Col> cols, List<List<String>> unique, List<String> keys, List<String> aliases) {}

    static final String[] TEXTS = {"alpha", "beta", "Gamma", "delta", "", "ab%", "a_b", "zeta", "éclair", "Beta"};

    private final Random r;
    private final List<Object> params = new ArrayList<>();
    private int subqueryAlias;

    RandomQueries(long seed) {
        this.r = new Random(seed);
    }

    // ---------------------------------------------------------------- sources

    private static List<Col> cols(String a, String table) {
        List<Col> c = new ArrayList<>();
        switch (table) {
            case "f_a" -> {
                c.add(new Col(a + ".id", Type.KEY));
                c.add(new Col(a + ".g", Type.INT));
                c.add(new Col(a + ".n", Type.NUM));
                c.add(new Col(a + ".f", Type.FLOAT));
                c.add(new Col(a + ".d", Type.DATE));
                c.add(new Col(a + ".ts", Type.TSTZ));
                c.add(new Col(a + ".t", Type.TEXT));
                c.add(new Col(a + ".b", Type.BOOL));
            }
            case "f_b" -> {
                c.add(new Col(a + ".id", Type.INT));
                c.add(new Col(a + ".a_id", Type.KEY));
                c.add(new Col(a + ".qty", Type.INT));
                c.add(new Col(a + ".price", Type.NUM));
                c.add(new Col(a + ".s", Type.TEXT));
                c.add(new Col(a + ".d", Type.DATE));
            }
            case "f_t" -> {
                c.add(new Col(a + ".k", Type.TKEY));
                c.add(new Col(a + ".v", Type.INT));
                c.add(new Col(a + ".w", Type.NUM));
                c.add(new Col(a + ".t", Type.TEXT));
                c.add(new Col(a + ".b", Type.BOOL));
            }
            case "f_tu" -> {
                c.add(new Col(a + ".k", Type.TKEY));
                c.add(new Col(a + ".seq", Type.INT));
                c.add(new Col(a + ".amt", Type.NUM));
            }
            case "f_c" -> {
                c.add(new Col(a + ".code", Type.INT));
                c.add(new Col(a + ".name", Type.TEXT));
                c.add(new Col(a + ".grp", Type.TEXT));
                c.add(new Col(a + ".rate", Type.NUM));
            }
            default -> throw new IllegalArgumentException(table);
        }
        return c;
    }

    private static List<Col> concat(List<Col> a, List<Col> b) {
        List<Col> c = new ArrayList<>(a);
        c.addAll(b);
        return c;
    }

    private Source source() {
        int k = r.nextInt(100);
        String a = r.nextInt(4) == 0 ? "f_a" : "a";
        String fa = a.equals("a") ? "f_a a" : "f_a";
        if (k < 22) {
            return new Source(fa, cols(a, "f_a"), List.of(List.of(a + ".id")), List.of(a + ".id"), List.of(a));
        }
        if (k < 32) {
            return new Source("f_b b", cols("b", "f_b"), List.of(List.of("b.id")), List.of("b.a_id"), List.of("b"));
        }
        if (k < 42) {
            return new Source("f_t t", cols("t", "f_t"), List.of(List.of("t.k")), List.of("t.k"), List.of("t"));
        }
        if (k < 46) {
            return new Source("f_c c", cols("c", "f_c"), List.of(List.of("c.code")), List.of(), List.of("c"));
        }
        if (k < 58) {
            String on = r.nextBoolean() ? "b.a_id = a.id" : "a.id = b.a_id";
            return new Source(
                    "f_a a join f_b b on " + on,
                    concat(cols("a", "f_a"), cols("b", "f_b")),
                    List.of(List.of("b.id")),
                    List.of("a.id", "b.a_id"),
                    List.of("a", "b"));
        }
        if (k < 64) {
            return new Source(
                    "f_a a left join f_b b on b.a_id = a.id",
                    concat(cols("a", "f_a"), cols("b", "f_b")),
                    List.of(List.of("a.id", "b.id")),
                    List.of("a.id"),
                    List.of("a", "b"));
        }
        if (k < 72) {
            String join = r.nextBoolean() ? "join" : "left join";
            return new Source(
                    "f_a a " + join + " f_c c on c.code = a.g",
                    concat(cols("a", "f_a"), cols("c", "f_c")),
                    List.of(List.of("a.id")),
                    List.of("a.id"),
                    List.of("a", "c"));
        }
        if (k < 78) {
            return new Source(
                    "f_t t join f_c c on c.code = t.v",
                    concat(cols("t", "f_t"), cols("c", "f_c")),
                    List.of(List.of("t.k")),
                    List.of("t.k"),
                    List.of("t", "c"));
        }
        if (k < 86) {
            String join = r.nextInt(3) == 0 ? "left join" : "join";
            return new Source(
                    "f_t t " + join + " f_tu u on u.k = t.k",
                    concat(cols("t", "f_t"), cols("u", "f_tu")),
                    List.of(List.of("t.k", "u.seq")),
                    List.of("t.k"),
                    List.of("t", "u"));
        }
        if (k < 92) {
            return new Source(
                    "f_a a join f_b b on b.a_id = a.id left join f_c c on c.code = b.qty",
                    concat(concat(cols("a", "f_a"), cols("b", "f_b")), cols("c", "f_c")),
                    List.of(List.of("b.id")),
                    List.of("a.id", "b.a_id"),
                    List.of("a", "b", "c"));
        }
        if (k < 96) {
            return new Source(
                    "f_tu u", cols("u", "f_tu"), List.of(List.of("u.k", "u.seq")), List.of("u.k"), List.of("u"));
        }
        // not co-located: expected to be refused
        return new Source(
                "f_a a join f_b b on b.id = a.g",
                concat(cols("a", "f_a"), cols("b", "f_b")),
                List.of(List.of("a.id", "b.id")),
                List.of(),
                List.of("a", "b"));
    }

    // ---------------------------------------------------------------- values

    private Object value(Type t) {
        return switch (t) {
            case KEY -> (long) (r.nextInt(260) - 40);
            case INT -> r.nextInt(16) - 4;
            case NUM -> BigDecimal.valueOf(r.nextInt(100_000) - 50_000, 2);
            case FLOAT -> (r.nextInt(81) - 40) * 0.25;
            case DATE -> LocalDate.of(2026, 1, 1).plusDays(r.nextInt(62));
            case TSTZ ->
                OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusMinutes(15L * r.nextInt(2900));
            case TEXT -> TEXTS[r.nextInt(TEXTS.length)];
            case TKEY -> "k" + r.nextInt(90);
            case BOOL -> r.nextBoolean();
        };
    }

    /** A literal or a bind parameter (with one of several Java types) for a value of type t. */
    private String operand(Type t) {
        Object v = value(t);
        if (r.nextInt(3) == 0) {
            params.add(javaValue(t, v));
            return t == Type.NUM && r.nextInt(4) == 0 ? "cast(? as numeric)" : "?";
        }
        return literal(t, v);
    }

    private Object javaValue(Type t, Object v) {
        return switch (t) {
            case KEY -> r.nextBoolean() ? v : (Object) Integer.valueOf(((Long) v).intValue());
            case INT ->
                switch (r.nextInt(4)) {
                    case 0 -> Long.valueOf((Integer) v);
                    case 1 -> Short.valueOf(((Integer) v).shortValue());
                    case 2 -> BigDecimal.valueOf((Integer) v);
                    default -> v;
                };
            case NUM -> r.nextInt(4) == 0 ? (Object) ((BigDecimal) v).doubleValue() : v;
            case DATE -> r.nextBoolean() ? v : java.sql.Date.valueOf((LocalDate) v);
            default -> v;
        };
    }

    private String literal(Type t, Object v) {
        return switch (t) {
            case KEY, INT -> r.nextInt(8) == 0 ? "'" + v + "'" : String.valueOf(v);
            case NUM -> v.toString();
            case FLOAT -> r.nextBoolean() ? v + "::float8" : v.toString();
            case DATE -> r.nextBoolean() ? "date '" + v + "'" : "'" + v + "'";
            case TSTZ -> "timestamptz '" + v + "'";
            case TEXT, TKEY -> "'" + v.toString().replace("'", "''") + "'";
            case BOOL -> v.toString();
        };
    }

    // ---------------------------------------------------------------- expressions

    private Col pick(List<Col> cols) {
        return cols.get(r.nextInt(cols.size()));
    }

    private Col pick(List<Col> cols, Type... types) {
        List<Col> ok = new ArrayList<>();
        for (Col c : cols) {
            for (Type t : types) {
                if (c.type() == t) {
                    ok.add(c);
                }
            }
        }
        return ok.isEmpty() ? null : ok.get(r.nextInt(ok.size()));
    }

    /** An expression over the source's columns, with the type it has. */
    private Col expr(List<Col> cols) {
        Col c = pick(cols);
        if (r.nextInt(3) != 0) {
            return c;
        }
        String e = c.expr();
        return switch (c.type()) {
            case KEY, INT ->
                switch (r.nextInt(8)) {
                    case 0 -> new Col(e + " + " + r.nextInt(5), Type.INT);
                    case 1 -> new Col(e + " * " + (r.nextInt(5) - 2), Type.INT);
                    case 2 -> new Col("coalesce(" + e + ", " + (r.nextInt(5) - 1) + ")", Type.INT);
                    case 3 -> new Col("abs(" + e + ")", Type.INT);
                    case 4 -> new Col("cast(" + e + " as text)", Type.TEXT);
                    case 5 -> new Col(e + " % 3", Type.INT);
                    case 6 -> new Col(e + "::float8", Type.FLOAT);
                    default -> new Col("cast(" + e + " as numeric(12,2))", Type.NUM);
                };
            case NUM ->
                switch (r.nextInt(5)) {
                    case 0 -> new Col(e + " * 2", Type.NUM);
                    case 1 -> new Col("round(" + e + ", 1)", Type.NUM);
                    case 2 -> new Col(e + " - 1.50", Type.NUM);
                    case 3 -> new Col("cast(" + e + " as int)", Type.INT);
                    default -> new Col("-" + e, Type.NUM);
                };
            case FLOAT ->
                r.nextBoolean()
                        ? new Col(e + " * 2", Type.FLOAT)
                        : new Col("cast(" + e + " as numeric(10,2))", Type.NUM);
            case DATE ->
                switch (r.nextInt(3)) {
                    case 0 -> new Col(e + " + 3", Type.DATE);
                    case 1 -> new Col("cast(extract(day from " + e + ") as int)", Type.INT);
                    default -> new Col("date_trunc('month', " + e + ")::date", Type.DATE);
                };
            case TSTZ -> new Col("date_trunc('day', " + e + ")", Type.TSTZ);
            case TEXT, TKEY ->
                switch (r.nextInt(5)) {
                    case 0 -> new Col("lower(" + e + ")", Type.TEXT);
                    case 1 -> new Col(e + " || '-x'", Type.TEXT);
                    case 2 -> new Col("substr(" + e + ", 1, 2)", Type.TEXT);
                    case 3 -> new Col("length(" + e + ")", Type.INT);
                    default -> new Col("coalesce(" + e + ", 'none')", Type.TEXT);
                };
            case BOOL ->
                switch (r.nextInt(3)) {
                    case 0 -> new Col(e + "::text", Type.TEXT);
                    case 1 -> new Col("not " + e, Type.BOOL);
                    default -> new Col("case when " + e + " then 'y' else 'n' end", Type.TEXT);
                };
        };
    }

    private String predicate(Source s, int depth) {
        int k = r.nextInt(depth > 1 ? 12 : 20);
        if (k == 0) {
            return "not (" + predicate(s, depth + 1) + ")";
        }
        if (k == 1) {
            return "(" + predicate(s, depth + 1) + " and " + predicate(s, depth + 1) + ")";
        }
        if (k == 2) {
            return "(" + predicate(s, depth + 1) + " or " + predicate(s, depth + 1) + ")";
        }
        if (k == 3 && !s.keys().isEmpty()) {
            String key = s.keys().get(r.nextInt(s.keys().size()));
            Type t = key.endsWith(".k") ? Type.TKEY : Type.KEY;
            if (t == Type.KEY && r.nextInt(4) == 0) {
                long v = (Long) value(t);
                return switch (r.nextInt(4)) {
                    case 0 -> key + " = " + (v - 1) + " + 1";
                    case 1 -> key + " = " + v + "::bigint";
                    case 2 -> {
                        params.add(v);
                        yield key + " = cast(? as int)";
                    }
                    default -> {
                        params.add(v);
                        yield key + " = ?::bigint";
                    }
                };
            }
            return key + " = " + operand(t);
        }
        if (k == 4 && !s.keys().isEmpty()) {
            String key = s.keys().get(r.nextInt(s.keys().size()));
            Type t = key.endsWith(".k") ? Type.TKEY : Type.KEY;
            if (r.nextInt(3) == 0) {
                int n = 1 + r.nextInt(4);
                if (t == Type.TKEY) {
                    String[] keys = new String[n];
                    for (int i = 0; i < n; i++) {
                        keys[i] = (String) value(t);
                    }
                    params.add(keys);
                } else {
                    Long[] keys = new Long[n];
                    for (int i = 0; i < n; i++) {
                        keys[i] = (Long) value(t);
                    }
                    params.add(keys);
                }
                return key + " = any(?)";
            }
            StringBuilder sb = new StringBuilder(key + " in (");
            int n = 1 + r.nextInt(5);
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : ", ").append(operand(t));
            }
            return sb.append(')').toString();
        }
        if (k == 5 && depth < 2) {
            String sub = subqueryPredicate(s);
            if (sub != null) {
                return sub;
            }
        }
        Col c = expr(s.cols());
        return switch (r.nextInt(12)) {
            case 8 ->
                c.expr() + (r.nextBoolean() ? " is distinct from " : " is not distinct from ") + operand(c.type());
            case 9 ->
                c.expr() + (r.nextInt(5) == 0 ? " between symmetric " : " between ") + operand(c.type()) + " and "
                        + operand(c.type());
            case 10 -> c.expr() + (r.nextBoolean() ? " in (" : " not in (") + operand(c.type()) + ", null)";
            case 11 -> {
                Col t = pick(s.cols(), Type.TEXT, Type.TKEY);
                yield t == null ? c.expr() + " is null" : t.expr() + " ilike 'A%'";
            }
            case 0 -> c.expr() + (r.nextBoolean() ? " is null" : " is not null");
            case 1 ->
                c.expr() + (r.nextInt(4) == 0 ? " not between " : " between ") + operand(c.type()) + " and "
                        + operand(c.type());
            case 2 -> {
                StringBuilder sb = new StringBuilder(c.expr() + (r.nextInt(4) == 0 ? " not in (" : " in ("));
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ", ").append(operand(c.type()));
                }
                yield sb.append(')').toString();
            }
            case 3 -> {
                Col t = pick(s.cols(), Type.TEXT, Type.TKEY);
                if (t == null) {
                    yield c.expr() + " is not null";
                }
                String[] patterns = {"a%", "%a%", "_e%", "%a\\_b%", "ab\\%", "k1%", "%"};
                yield t.expr() + (r.nextInt(4) == 0 ? " not like '" : " like '") + patterns[r.nextInt(patterns.length)]
                        + "'";
            }
            case 4 -> c.type() == Type.BOOL ? c.expr() : c.expr() + " = " + operand(c.type());
            default ->
                c.expr() + " " + new String[] {"<", "<=", ">", ">=", "<>", "="}[r.nextInt(6)] + " " + operand(c.type());
        };
    }

    /** IN (SELECT ...), EXISTS and scalar subqueries, co-located, broadcast and uncorrelated ones. */
    private String subqueryPredicate(Source s) {
        String x = "s" + (++subqueryAlias);
        boolean hasA = s.aliases().contains("a");
        boolean hasT = s.aliases().contains("t");
        switch (r.nextInt(8)) {
            case 0:
                if (hasA) {
                    return (r.nextInt(3) == 0 ? "not " : "") + "exists (select 1 from f_b " + x + " where " + x
                            + ".a_id = a.id and " + x + ".qty > " + operand(Type.INT) + ")";
                }
                return null;
            case 1:
                if (hasA) {
                    return "a.id in (select " + x + ".a_id from f_b " + x + " where " + x + ".s = " + operand(Type.TEXT)
                            + ")";
                }
                if (hasT) {
                    return "t.k in (select " + x + ".k from f_tu " + x + " where " + x + ".amt > " + operand(Type.NUM)
                            + ")";
                }
                return null;
            case 2: {
                Col c = pick(s.cols(), Type.INT);
                if (c == null) {
                    return null;
                }
                return c.expr() + (r.nextInt(3) == 0 ? " not in" : " in") + " (select " + x + ".code from f_c " + x
                        + " where " + x + ".grp = " + operand(Type.TEXT) + ")";
            }
            case 3: {
                Col c = pick(s.cols(), Type.INT);
                if (c == null) {
                    return null;
                }
                // uncorrelated over a sharded table: run first (recursive planning)
                return c.expr() + (r.nextInt(3) == 0 ? " not in" : " in") + " (select " + x + ".qty from f_b " + x
                        + " where " + x + ".price > " + operand(Type.NUM) + ")";
            }
            case 4: {
                Col c = pick(s.cols(), Type.NUM);
                if (c == null) {
                    return null;
                }
                String agg = new String[] {"avg", "min", "max", "sum"}[r.nextInt(4)];
                return c.expr() + " > (select " + agg + "(" + x + ".n) from f_a " + x + " where " + x + ".g = "
                        + operand(Type.INT) + ")";
            }
            case 5:
                if (hasA) {
                    return "a.n > (select avg(" + x + ".price) from f_b " + x + " where " + x + ".a_id = a.id)";
                }
                return null;
            case 6:
                if (hasT) {
                    return "exists (select 1 from f_tu " + x + " where " + x + ".k = t.k and " + x + ".seq = "
                            + operand(Type.INT) + ")";
                }
                return null;
            default:
                if (hasA) {
                    return "exists (select 1 from f_c " + x + " where " + x + ".code = a.g and " + x + ".rate > "
                            + operand(Type.NUM) + ")";
                }
                return null;
        }
    }

    // ---------------------------------------------------------------- statements

    /** One statement. */
    Query next() {
        params.clear();
        int k = r.nextInt(100);
        if (k < 38) {
            return plain(source());
        }
        if (k < 68) {
            return aggregate(source());
        }
        if (k < 76) {
            return distinct(source());
        }
        if (k < 84) {
            return setOperation();
        }
        if (k < 92) {
            return window();
        }
        return r.nextBoolean() ? wrapped() : groupedDerived();
    }

    /** A derived table or CTE that aggregates, by the shard key (local) or not (refused or run first). */
    private Query groupedDerived() {
        String[][] shapes = {
            {"f_b b", "b.a_id", "b.qty", "b.price", "a", "f_a a", "a.id", "a.g"},
            {"f_tu u", "u.k", "u.seq", "u.amt", "t", "f_t t", "t.k", "t.v"},
            {"f_b b", "b.s", "b.qty", "b.price", null, null, null, null},
            {"f_a a", "a.t", "a.g", "a.n", null, null, null, null},
            {"f_a a", "a.id", "a.g", "a.n", null, null, null, null},
        };
        String[] sh = shapes[r.nextInt(shapes.length)];
        String alias = sh[0].substring(sh[0].length() - 1);
        Source inner = new Source(
                sh[0], cols(alias, sh[0].substring(0, sh[0].indexOf(' '))), List.of(), List.of(), List.of(alias));
        String body = "select " + sh[1] + " as q0, count(*) as q1, sum(" + sh[2] + ") as q2, max(" + sh[3]
                + ") as q3 from " + sh[0] + (r.nextBoolean() ? " where " + predicate(inner, 1) : "") + " group by "
                + sh[1];
        boolean join = sh[4] != null && r.nextBoolean();
        boolean cte = r.nextBoolean();
        StringBuilder sql = new StringBuilder(cte ? "with w as (" + body + ") " : "");
        List<Item> items = new ArrayList<>();
        items.add(new Item("w.q0", null, "w.q0", Type.INT));
        items.add(new Item("w.q1", null, "w.q1", Type.INT));
        items.add(new Item("w.q2 as total", "total", "w.q2", Type.INT));
        if (join) {
            items.add(new Item(sh[7], null, sh[7], Type.INT));
        }
        sql.append("select ")
                .append(String.join(", ", items.stream().map(Item::sql).toList()));
        sql.append(" from ").append(cte ? "w" : "(" + body + ") w");
        if (join) {
            sql.append(" join ").append(sh[5]).append(" on ").append(sh[6]).append(" = w.q0");
        }
        if (r.nextBoolean()) {
            sql.append(" where w.q1 ")
                    .append(r.nextBoolean() ? ">" : "<=")
                    .append(' ')
                    .append(operand(Type.INT));
        }
        return finish(sql, items, List.of(), List.of(List.of("w.q0")), false);
    }

    /** A select-list item: its SQL, its output name reference (alias) or null, and its expression. */
    private record Item(String sql, String alias, String expr, Type type) {}

    private record Order(String sql, int output, String expr) {}

    private String where(Source s) {
        if (r.nextInt(5) == 0) {
            return "";
        }
        if (r.nextInt(25) == 0) {
            return " where " + s.cols().get(0).expr() + " is null and "
                    + s.cols().get(0).expr() + " is not null";
        }
        return " where " + predicate(s, 0);
    }

    private Query plain(Source s) {
        List<Item> items = new ArrayList<>();
        boolean star = r.nextInt(12) == 0;
        if (star) {
            for (Col c : s.cols()) {
                items.add(new Item(null, null, c.expr(), c.type()));
            }
        } else {
            int n = 1 + r.nextInt(5);
            for (int i = 0; i < n; i++) {
                Col c = expr(s.cols());
                String alias = r.nextInt(3) == 0 ? "x" + i : null;
                items.add(new Item(c.expr() + (alias == null ? "" : " as " + alias), alias, c.expr(), c.type()));
            }
            if (r.nextInt(6) == 0 && s.aliases().contains("a")) {
                String x = "s" + (++subqueryAlias);
                String sub = r.nextBoolean()
                        ? "(select count(*) from f_b " + x + " where " + x + ".a_id = a.id)"
                        : "(select max(" + x + ".rate) from f_c " + x + " where " + x + ".code = a.g)";
                items.add(new Item(sub + " as sq", "sq", sub, Type.INT));
            }
        }
        StringBuilder sql = new StringBuilder("select ");
        sql.append(star ? "*" : String.join(", ", items.stream().map(Item::sql).toList()));
        sql.append(" from ").append(s.from()).append(where(s));
        return finish(sql, items, s.cols(), s.unique(), true);
    }

    /** ORDER BY, LIMIT/OFFSET and the comparison the result allows. */
    private Query finish(
            StringBuilder sql, List<Item> items, List<Col> hidden, List<List<String>> unique, boolean mayHide) {
        List<Order> orders = new ArrayList<>();
        if (r.nextInt(5) != 0) {
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                orders.add(orderItem(items, hidden, mayHide));
            }
            if (r.nextBoolean() && !unique.isEmpty()) {
                for (String u : unique.get(0)) {
                    int out = -1;
                    for (int j = 0; j < items.size(); j++) {
                        if (items.get(j).expr().equals(u)) {
                            out = j;
                        }
                    }
                    if (out < 0 && !mayHide) {
                        continue;
                    }
                    orders.add(new Order(u + direction(), out, u));
                }
            }
        }
        if (!orders.isEmpty()) {
            sql.append(" order by ")
                    .append(String.join(", ", orders.stream().map(Order::sql).toList()));
        }
        boolean limited = false;
        if (r.nextInt(3) == 0) {
            limited = true;
            int limit = r.nextInt(12);
            int offset = r.nextInt(3) == 0 ? r.nextInt(20) : 0;
            switch (r.nextInt(4)) {
                case 0 -> {
                    sql.append(" limit ").append(bound(limit));
                    if (offset > 0) {
                        sql.append(" offset ").append(bound(offset));
                    }
                }
                case 1 -> {
                    if (offset > 0) {
                        sql.append(" offset ").append(bound(offset)).append(" rows");
                    }
                    sql.append(" fetch ")
                            .append(r.nextBoolean() ? "first " : "next ")
                            .append(bound(Math.max(limit, 1)))
                            .append(" rows only");
                }
                case 2 ->
                    sql.append(r.nextInt(4) == 0 ? " limit all" : "")
                            .append(" offset ")
                            .append(bound(offset))
                            .append(r.nextBoolean() ? " rows" : "");
                default -> sql.append(" limit ").append(bound(limit));
            }
        }
        Set<String> ordered = new LinkedHashSet<>();
        boolean allVisible = true;
        for (Order o : orders) {
            ordered.add(o.expr());
            allVisible &= o.output() >= 0;
        }
        boolean total = false;
        for (List<String> u : unique) {
            total |= !orders.isEmpty() && ordered.containsAll(u);
        }
        Check check;
        if (total) {
            check = Check.EXACT;
        } else if (orders.isEmpty()) {
            check = limited ? Check.COUNT : Check.BAG;
        } else if (allVisible) {
            check = limited ? Check.SORT_KEYS : Check.SORT_KEYS_AND_BAG;
        } else {
            check = limited ? Check.COUNT : Check.BAG;
        }
        int[] sortColumns = orders.stream()
                .mapToInt(Order::output)
                .filter(i -> i >= 0)
                .distinct()
                .toArray();
        return new Query(sql.toString(), List.copyOf(params), check, sortColumns);
    }

    private String bound(int n) {
        if (r.nextInt(3) == 0) {
            params.add(r.nextBoolean() ? (Object) n : (Object) (long) n);
            return "?";
        }
        return String.valueOf(n);
    }

    private String direction() {
        String d = switch (r.nextInt(3)) {
            case 0 -> "";
            case 1 -> " asc";
            default -> " desc";
        };
        return d
                + switch (r.nextInt(4)) {
                    case 0 -> " nulls first";
                    case 1 -> " nulls last";
                    default -> "";
                };
    }

    private Order orderItem(List<Item> items, List<Col> hidden, boolean mayHide) {
        if (mayHide && r.nextInt(5) == 0) {
            Col c = pick(hidden);
            for (int j = 0; j < items.size(); j++) {
                if (items.get(j).expr().equals(c.expr())) {
                    return new Order(c.expr() + direction(), j, c.expr());
                }
            }
            return new Order(c.expr() + direction(), -1, c.expr());
        }
        int j = r.nextInt(items.size());
        Item it = items.get(j);
        String ref = switch (r.nextInt(3)) {
            case 0 -> String.valueOf(j + 1);
            case 1 -> it.alias() != null ? it.alias() : it.expr();
            default -> it.expr();
        };
        return new Order(ref + direction(), j, it.expr());
    }

    private Query aggregate(Source s) {
        List<Item> items = new ArrayList<>();
        List<String> groupBy = new ArrayList<>();
        List<String> groupExprs = new ArrayList<>();
        int groups = r.nextInt(3);
        for (int i = 0; i < groups; i++) {
            Col c = r.nextInt(3) == 0 ? expr(s.cols()) : pick(s.cols());
            if (groupExprs.contains(c.expr())) {
                continue;
            }
            groupExprs.add(c.expr());
            boolean shown = r.nextInt(6) != 0;
            if (shown) {
                String alias = r.nextInt(3) == 0 ? "g" + i : null;
                items.add(new Item(c.expr() + (alias == null ? "" : " as " + alias), alias, c.expr(), c.type()));
                int out = items.size();
                groupBy.add(
                        switch (r.nextInt(3)) {
                            case 0 -> String.valueOf(out);
                            case 1 -> alias != null ? alias : c.expr();
                            default -> c.expr();
                        });
            } else {
                groupBy.add(c.expr());
            }
        }
        int aggs = 1 + r.nextInt(3);
        for (int i = 0; i < aggs; i++) {
            String a = aggregateExpr(s);
            String alias = r.nextBoolean() ? "v" + i : null;
            items.add(new Item(a + (alias == null ? "" : " as " + alias), alias, a, Type.NUM));
        }
        StringBuilder sql = new StringBuilder("select ");
        sql.append(String.join(", ", items.stream().map(Item::sql).toList()));
        sql.append(" from ").append(s.from()).append(where(s));
        if (!groupBy.isEmpty()) {
            sql.append(" group by ").append(String.join(", ", groupBy));
        }
        if (r.nextInt(4) == 0) {
            sql.append(" having ").append(having(s));
            if (r.nextInt(4) == 0) {
                sql.append(r.nextBoolean() ? " and " : " or ").append(having(s));
            }
        }
        List<List<String>> unique = List.of(groupExprs);
        // ORDER BY only what is in the list or grouped (an aggregate not listed is also fine)
        List<Col> hidden = new ArrayList<>();
        for (String g : groupExprs) {
            hidden.add(new Col(g, Type.INT));
        }
        hidden.add(new Col("count(*)", Type.INT));
        int bound = params.size();
        String extra = aggregateExpr(s);
        if (params.size() == bound) { // only an ORDER BY item that binds nothing may go unused
            hidden.add(new Col(extra, Type.NUM));
        } else {
            params.subList(bound, params.size()).clear();
        }
        return finish(sql, items, hidden, unique, true);
    }

    /** A numeric expression (an aggregate's argument). */
    private Col numeric(Source s) {
        for (int i = 0; i < 6; i++) {
            Col c = expr(s.cols());
            if (c.type() == Type.INT || c.type() == Type.NUM || c.type() == Type.FLOAT) {
                return c;
            }
        }
        Col c = pick(s.cols(), Type.INT, Type.NUM, Type.FLOAT);
        return c == null ? new Col("1", Type.INT) : c;
    }

    private String having(Source s) {
        String rhs = r.nextInt(6) == 0 ? operand(Type.INT) : String.valueOf(r.nextInt(20) - 5);
        return aggregateExpr(s) + ' ' + new String[] {">", "<", ">=", "<>", "="}[r.nextInt(5)] + ' ' + rhs;
    }

    private String aggregateExpr(Source s) {
        Col num = pick(s.cols(), Type.INT, Type.NUM, Type.FLOAT);
        Col any = pick(s.cols());
        if (num == null) {
            num = any;
        }
        String filter = r.nextInt(6) == 0 ? " filter (where " + predicate(s, 2) + ")" : "";
        if (r.nextInt(12) == 0) {
            // the aggregates merged by the agg branch's code: string_agg, the variance family, date spreads
            Col text = pick(s.cols(), Type.TEXT, Type.TKEY);
            Col date = pick(s.cols(), Type.DATE);
            String n = numeric(s).expr();
            return switch (r.nextInt(6)) {
                case 0 ->
                    text == null ? "count(*)" : "string_agg(" + text.expr() + ", ',' order by " + text.expr() + ")";
                case 1 -> "stddev(" + n + ")";
                case 2 -> "var_samp(" + n + ")";
                case 3 -> "stddev_pop(" + n + ")" + filter;
                case 4 -> date == null ? "variance(" + n + ")" : "max(" + date.expr() + ") - min(" + date.expr() + ")";
                default -> "variance(" + n + ")";
            };
        }
        if (num.type() != Type.TEXT && r.nextInt(5) == 0) {
            // arithmetic over aggregates and literals, computed after the merge
            String e = num.expr();
            return switch (r.nextInt(10)) {
                case 7 -> "(sum(" + e + ") + 1) * 2";
                case 8 -> "avg(" + numeric(s).expr() + ") * count(*)";
                case 9 -> "count(*) / 2.0";
                case 0 -> "min(" + e + ") + 1";
                case 1 -> "count(*) * 1.5";
                case 2 -> "sum(" + e + ") * 2";
                case 3 -> "avg(" + e + ") - 1";
                case 4 -> "-sum(" + e + ")";
                case 5 -> "max(" + e + ") / 2";
                default -> "count(distinct " + e + ") + count(*)";
            };
        }
        return switch (r.nextInt(12)) {
            case 0 -> "count(*)" + filter;
            case 1 -> "count(" + any.expr() + ")" + filter;
            case 2 -> "count(distinct " + any.expr() + ")";
            case 3 -> num.type() == Type.TEXT ? "count(*)" : "sum(" + numeric(s).expr() + ")" + filter;
            case 4 -> num.type() == Type.TEXT ? "count(*)" : "avg(" + num.expr() + ")" + filter;
            case 5 -> (any.type() == Type.BOOL ? "bool_or(" : "min(") + any.expr() + ")" + filter;
            case 6 -> (any.type() == Type.BOOL ? "bool_and(" : "max(") + any.expr() + ")" + filter;
            case 7 -> num.type() == Type.TEXT ? "count(*)" : "sum(distinct " + num.expr() + ")";
            case 8 -> num.type() == Type.TEXT ? "count(*) * 2" : "sum(" + num.expr() + ") / count(*)";
            case 9 -> num.type() == Type.TEXT ? "count(*) + 1" : "max(" + num.expr() + ") - min(" + num.expr() + ")";
            case 10 -> num.type() == Type.TEXT ? "count(*)" : "avg(distinct " + num.expr() + ")";
            default -> "count(*) - count(" + any.expr() + ")";
        };
    }

    private Query distinct(Source s) {
        List<Item> items = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            Col c = r.nextBoolean() ? pick(s.cols()) : expr(s.cols());
            String alias = r.nextInt(3) == 0 ? "x" + i : null;
            items.add(new Item(c.expr() + (alias == null ? "" : " as " + alias), alias, c.expr(), c.type()));
        }
        StringBuilder sql = new StringBuilder("select distinct ");
        sql.append(String.join(", ", items.stream().map(Item::sql).toList()));
        sql.append(" from ").append(s.from()).append(where(s));
        List<String> all = items.stream().map(Item::expr).toList();
        return finish(sql, items, List.of(), List.of(all), false);
    }

    private Query setOperation() {
        // branches of the same shape: (key-ish int, text, numeric)
        String[][] branches = {
            {"a.g", "a.t", "a.n", "f_a a"},
            {"b.qty", "b.s", "b.price", "f_b b"},
            {"t.v", "t.t", "t.w", "f_t t"},
            {"c.code", "c.name", "c.rate", "f_c c"},
            {"u.seq", "u.k", "u.amt", "f_tu u"},
            {"cast(a.id as int)", "a.t", "a.n", "f_a a"},
        };
        String[] op = {"union", "union all", "intersect", "intersect all", "except", "except all"};
        int width = 1 + r.nextInt(3);
        String o = op[r.nextInt(op.length)];
        StringBuilder sql = new StringBuilder();
        int parts = 2 + (r.nextInt(4) == 0 ? 1 : 0);
        for (int p = 0; p < parts; p++) {
            String[] b = branches[r.nextInt(branches.length)];
            if (p > 0) {
                sql.append(' ').append(p == 2 ? "union all" : o).append(' ');
            }
            sql.append("select ");
            for (int i = 0; i < width; i++) {
                sql.append(i == 0 ? "" : ", ").append(b[i]);
            }
            sql.append(" from ").append(b[3]);
            String alias = b[3].substring(b[3].length() - 1);
            Source s = new Source(
                    b[3], cols(alias, b[3].substring(0, b[3].indexOf(' '))), List.of(), List.of(), List.of(alias));
            if (r.nextBoolean()) {
                sql.append(" where ").append(predicate(s, 1));
            }
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            items.add(new Item(null, null, "c" + i, Type.INT));
        }
        List<Order> orders = new ArrayList<>();
        // ORDER BY positions only (output names differ between branches)
        StringBuilder tail = new StringBuilder();
        List<Integer> ord = new ArrayList<>();
        if (r.nextInt(4) != 0) {
            int n = 1 + r.nextInt(width);
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < width; i++) {
                positions.add(i);
            }
            java.util.Collections.shuffle(positions, r);
            for (int i = 0; i < n; i++) {
                ord.add(positions.get(i));
            }
            tail.append(" order by ");
            for (int i = 0; i < ord.size(); i++) {
                tail.append(i == 0 ? "" : ", ").append(ord.get(i) + 1).append(direction());
            }
        }
        boolean limited = r.nextInt(3) == 0;
        if (limited) {
            tail.append(" limit ").append(bound(r.nextInt(15)));
        }
        sql.append(tail);
        Check check;
        if (ord.isEmpty()) {
            check = limited ? Check.COUNT : Check.BAG;
        } else if (ord.size() == width) {
            check = Check.EXACT;
        } else {
            check = limited ? Check.SORT_KEYS : Check.SORT_KEYS_AND_BAG;
        }
        orders.clear();
        return new Query(
                sql.toString(),
                List.copyOf(params),
                check,
                ord.stream().mapToInt(i -> i).toArray());
    }

    private Query window() {
        Source s;
        String[] fns;
        if (r.nextBoolean()) {
            s = new Source(
                    "f_a a join f_b b on b.a_id = a.id",
                    concat(cols("a", "f_a"), cols("b", "f_b")),
                    List.of(List.of("b.id")),
                    List.of("a.id", "b.a_id"),
                    List.of("a", "b"));
            fns = new String[] {
                "row_number() over (partition by b.a_id order by b.id)",
                "sum(b.qty) over (partition by a.id)",
                "count(*) over (partition by b.a_id)",
                "rank() over (partition by a.id order by b.price desc nulls last)",
                "max(b.price) over (partition by b.a_id order by b.id)",
                "dense_rank() over (order by b.qty)",
                "count(*) over ()",
                "lag(b.qty) over (partition by b.a_id order by b.id)"
            };
        } else {
            s = new Source("f_t t", cols("t", "f_t"), List.of(List.of("t.k")), List.of("t.k"), List.of("t"));
            fns = new String[] {
                "count(*) over (partition by t.k)",
                "sum(t.v) over (partition by t.k)",
                "rank() over (order by t.v)",
                "sum(t.w) over (partition by t.b)",
                "row_number() over (partition by t.k order by t.v)"
            };
        }
        List<Item> items = new ArrayList<>();
        items.add(new Item(s.unique().get(0).get(0), null, s.unique().get(0).get(0), Type.INT));
        Col c = expr(s.cols());
        items.add(new Item(c.expr(), null, c.expr(), c.type()));
        String w = fns[r.nextInt(fns.length)];
        items.add(new Item(w + " as w", "w", w, Type.INT));
        StringBuilder sql = new StringBuilder("select ");
        sql.append(String.join(", ", items.stream().map(Item::sql).toList()));
        sql.append(" from ").append(s.from()).append(where(s));
        return finish(sql, items, s.cols(), s.unique(), true);
    }

    /** A plain statement as a CTE or a derived table, filtered, ordered and cut outside. */
    private Query wrapped() {
        Source s = source();
        List<Col> inner = new ArrayList<>();
        List<String> list = new ArrayList<>();
        List<String> key = new ArrayList<>();
        int n = 2 + r.nextInt(3);
        for (String u : s.unique().get(0)) {
            String name = "q" + list.size();
            list.add(u + " as " + name);
            inner.add(new Col("w." + name, u.endsWith(".k") ? Type.TKEY : Type.KEY));
            key.add("w." + name);
        }
        for (int i = 0; i < n; i++) {
            Col c = expr(s.cols());
            String name = "q" + list.size();
            list.add(c.expr() + " as " + name);
            inner.add(new Col("w." + name, c.type()));
        }
        String body = "select " + String.join(", ", list) + " from " + s.from() + where(s);
        boolean grouped = r.nextInt(3) == 0;
        Source outer = new Source("w", inner, List.of(key), List.of(), List.of("w"));
        StringBuilder sql = new StringBuilder();
        String from = r.nextBoolean() ? "with w as (" + body + ") select " : "select ";
        String tail = from.startsWith("with") ? " from w" : " from (" + body + ") w";
        if (grouped) {
            Col g = inner.get(key.size() + r.nextInt(inner.size() - key.size()));
            Col v = inner.get(r.nextInt(inner.size()));
            sql.append(from)
                    .append(g.expr())
                    .append(", count(*), count(")
                    .append(v.expr())
                    .append(")")
                    .append(tail);
            if (r.nextBoolean()) {
                sql.append(" where ").append(predicate(outer, 1));
            }
            sql.append(" group by ").append(g.expr());
            List<Item> items = List.of(
                    new Item(g.expr(), null, g.expr(), g.type()),
                    new Item("count(*)", null, "count(*)", Type.INT),
                    new Item("count(" + v.expr() + ")", null, "count(" + v.expr() + ")", Type.INT));
            return finish(sql, items, List.of(), List.of(List.of(g.expr())), false);
        }
        sql.append(from).append("*").append(tail);
        if (r.nextBoolean()) {
            sql.append(" where ").append(predicate(outer, 1));
        }
        List<Item> items = new ArrayList<>();
        for (Col c : inner) {
            String name = c.expr().substring(2);
            items.add(new Item(name, null, name, c.type()));
        }
        List<String> unq = key.stream().map(k -> k.substring(2)).toList();
        return finish(sql, items, List.of(), List.of(unq), false);
    }
}
