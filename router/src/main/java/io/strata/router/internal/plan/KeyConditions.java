package io.strata.router.internal.plan;

import io.strata.router.TableRule;
import io.strata.router.internal.SqlStates;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;

/**
 * What a statement's WHERE and JOIN conditions say about shard keys: the top-level AND conjuncts,
 * which of them pin a sharded table's key ({@code key = ?}, {@code key = literal},
 * {@code key IN (...)}, {@code key = ANY(?)}), and whether every sharded table of a join is linked
 * to the others by key equality (so the join never crosses shards).
 */
final class KeyConditions {

    private KeyConditions() {}

    /** A sharded table as it appears in FROM/JOIN. */
    record Occurrence(String name, String alias, TableRule rule) {
        boolean matches(String qualifier) {
            String q = normalizeIdentifier(qualifier);
            return q.equals(alias) || (alias == null && q.equals(name)) || q.equals(name) && alias == null;
        }
    }

    static String normalizeIdentifier(String s) {
        if (s == null) {
            return null;
        }
        int dot = s.lastIndexOf('.');
        String last = dot >= 0 ? s.substring(dot + 1) : s;
        return last.startsWith("\"") ? Planner.unquote(last) : last.toLowerCase(Locale.ROOT);
    }

    /**
     * A USING (col) join condition: links the occurrences of its left side [{@code leftFrom},
     * {@code rightFrom}) and of its right side [{@code rightFrom}, {@code rightTo}) whose key
     * column is col, and nothing else.
     */
    static final class UsingMarker extends Column {
        final int leftFrom;
        final int rightFrom;
        final int rightTo;

        UsingMarker(String column, int leftFrom, int rightFrom, int rightTo) {
            super(column);
            this.leftFrom = leftFrom;
            this.rightFrom = rightFrom;
            this.rightTo = rightTo;
        }
    }

    static List<Expression> conjuncts(Expression where) {
        List<Expression> out = new ArrayList<>();
        collectConjuncts(where, out);
        return out;
    }

    static void collectConjuncts(Expression e, List<Expression> out) {
        if (e == null) {
            return;
        }
        if (e instanceof AndExpression and) {
            collectConjuncts(and.getLeftExpression(), out);
            collectConjuncts(and.getRightExpression(), out);
        } else if (e instanceof net.sf.jsqlparser.expression.Parenthesis par) {
            collectConjuncts(par.getExpression(), out);
        } else if (e instanceof net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<?> list
                && list.size() == 1) {
            collectConjuncts(list.get(0), out);
        } else {
            out.add(e);
        }
    }

    /** The occurrence whose key a column names, or null. */
    static Occurrence keyOf(Column c, List<Occurrence> occurrences) {
        String column = normalizeIdentifier(c.getColumnName());
        Table t = c.getTable();
        String qualifier = t == null || t.getName() == null ? null : t.getName();
        for (Occurrence o : occurrences) {
            if (!o.rule().keyColumn().equals(column)) {
                continue;
            }
            if (qualifier == null || o.matches(qualifier)) {
                return o;
            }
        }
        return null;
    }

    static void checkLinked(List<Occurrence> occurrences, List<Expression> links) throws Planner.Rejected {
        int n = occurrences.size();
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        for (Expression e : links) {
            if (e instanceof UsingMarker u) {
                // USING (key): the key occurrences of its two sides are linked (PostgreSQL refuses a
                // USING column that appears twice on one side).
                String col = normalizeIdentifier(u.getColumnName());
                int left = -1;
                int right = -1;
                for (int i = u.leftFrom; i < u.rightTo && i < n; i++) {
                    if (occurrences.get(i).rule().keyColumn().equals(col)) {
                        if (i < u.rightFrom) {
                            left = i;
                        } else {
                            right = i;
                        }
                    }
                }
                if (left >= 0 && right >= 0) {
                    union(parent, left, right);
                }
                continue;
            }
            for (Expression c : conjuncts(e)) {
                if (c instanceof EqualsTo eq
                        && eq.getLeftExpression() instanceof Column l
                        && eq.getRightExpression() instanceof Column r
                        && l.getTable() != null
                        && l.getTable().getName() != null
                        && r.getTable() != null
                        && r.getTable().getName() != null) {
                    Occurrence a = keyOf(l, occurrences);
                    Occurrence b = keyOf(r, occurrences);
                    if (a != null && b != null) {
                        union(parent, occurrences.indexOf(a), occurrences.indexOf(b));
                    }
                }
            }
        }
        int root = find(parent, 0);
        for (int i = 1; i < n; i++) {
            if (find(parent, i) != root) {
                throw new Planner.Rejected(
                        "Strata: the statement joins sharded tables that are not joined on their shard"
                                + " keys (" + occurrences.get(0).name() + " and "
                                + occurrences.get(i).name()
                                + "); cross-shard joins are not supported. Join them with qualified key columns,"
                                + " e.g. a.key = b.key." + Planner.HINT_HOWTO);
            }
        }
    }

    static int find(int[] parent, int i) {
        while (parent[i] != i) {
            i = parent[i];
        }
        return i;
    }

    static void union(int[] parent, int a, int b) {
        parent[find(parent, a)] = find(parent, b);
    }

    /** The key sources of the first conjunct that pins the shard key, or null when none does. */
    static List<KeySource> keys(List<Expression> conjuncts, List<Occurrence> occurrences) {
        for (Expression e : conjuncts) {
            if (e instanceof EqualsTo eq) {
                Expression l = eq.getLeftExpression();
                Expression r = eq.getRightExpression();
                if (r instanceof Column && !(l instanceof Column)) {
                    Expression t = l;
                    l = r;
                    r = t;
                }
                if (l instanceof Column c && keyOf(c, occurrences) != null) {
                    if (r instanceof Function f
                            && f.getName() != null
                            && f.getName().equalsIgnoreCase("any")
                            && f.getParameters() != null
                            && f.getParameters().size() == 1) {
                        Expression arg = stripCast(f.getParameters().get(0));
                        if (arg instanceof JdbcParameter jp) {
                            return List.of(KeySource.parameter(jp.getIndex(), true));
                        }
                        continue;
                    }
                    KeySource k = keySource(r);
                    if (k != null) {
                        return List.of(k);
                    }
                }
            } else if (e instanceof InExpression in
                    && !in.isNot()
                    && in.getLeftExpression() instanceof Column c
                    && keyOf(c, occurrences) != null
                    && in.getRightExpression() instanceof ExpressionList<?> list) {
                List<KeySource> out = new ArrayList<>();
                for (Expression v : list) {
                    KeySource k = keySource(v);
                    if (k == null) {
                        out = null;
                        break;
                    }
                    out.add(k);
                }
                if (out != null && !out.isEmpty()) {
                    return out;
                }
            }
        }
        return null;
    }

    static Expression stripCast(Expression e) {
        while (e instanceof CastExpression cast) {
            e = cast.getLeftExpression();
        }
        return e;
    }

    /** Casts that never change a key's value: no length, precision or array (a varchar(2) cast truncates). */
    private static final java.util.Set<String> VALUE_PRESERVING_CASTS = java.util.Set.of(
            "bigint",
            "int8",
            "integer",
            "int",
            "int4",
            "smallint",
            "int2",
            "text",
            "varchar",
            "character varying",
            "uuid");

    /**
     * A key value expression: a parameter, or a numeric or plain string literal, possibly under
     * casts that keep its value. Escape strings ({@code E'a\\nb'}) and other prefixed literals,
     * and casts that can change the value, are not keys (the statement is then routed as keyless).
     */
    static KeySource keySource(Expression e) {
        while (e instanceof CastExpression cast) {
            String type = cast.getColDataType() == null
                    ? ""
                    : String.valueOf(cast.getColDataType().getDataType()).trim().toLowerCase(Locale.ROOT);
            boolean array = cast.getColDataType() != null
                    && cast.getColDataType().getArrayData() != null
                    && !cast.getColDataType().getArrayData().isEmpty();
            if (array || !VALUE_PRESERVING_CASTS.contains(type)) {
                return null;
            }
            e = cast.getLeftExpression();
        }
        if (e instanceof StringValue sv && sv.getPrefix() != null) {
            return null;
        }
        if (e instanceof JdbcParameter jp) {
            return KeySource.parameter(jp.getIndex(), false);
        }
        if (e instanceof LongValue lv) {
            return KeySource.literal(lv.getBigIntegerValue());
        }
        if (e instanceof StringValue sv) {
            return KeySource.literal(sv.getValue().replace("''", "'"));
        }
        if (e instanceof SignedExpression se && se.getSign() == '-' && se.getExpression() instanceof LongValue lv) {
            return KeySource.literal(lv.getBigIntegerValue().negate());
        }
        return null;
    }

    // ---------------------------------------------------------------- JSqlParser 5.3 IN repair

    /**
     * Repairs JSqlParser 5.3's parse of {@code a IN (list) AND/OR ...} (upstream issues #2244,
     * #2282, #2439): it returns {@code IN(a, AND(list, ...))}, swallowing the rest of the boolean
     * expression into the IN's right side and breaking AND/OR precedence around it. An in-order
     * walk of AND/OR nodes still yields the text's operands and operators, so the expression is
     * flattened to that sequence (with the IN given back its list) and rebuilt with PostgreSQL's
     * precedence (NOT, then AND, then OR). Applied in place to the WHERE and JOIN ... ON
     * conditions the planner reads keys and links from. A shape it cannot repair is rejected.
     */
    static void repairInLists(net.sf.jsqlparser.statement.Statement statement) throws Planner.Rejected {
        if (statement instanceof net.sf.jsqlparser.statement.select.PlainSelect ps) {
            ps.setWhere(repair(ps.getWhere()));
            ps.setHaving(repair(ps.getHaving()));
            repairJoins(ps.getFromItem(), ps.getJoins());
        } else if (statement instanceof net.sf.jsqlparser.statement.update.Update u) {
            u.setWhere(repair(u.getWhere()));
            repairJoins(u.getFromItem(), u.getJoins());
            repairJoins(null, u.getStartJoins());
        } else if (statement instanceof net.sf.jsqlparser.statement.delete.Delete d) {
            d.setWhere(repair(d.getWhere()));
            repairJoins(null, d.getJoins());
        }
    }

    private static void repairJoins(
            net.sf.jsqlparser.statement.select.FromItem first, List<net.sf.jsqlparser.statement.select.Join> joins)
            throws Planner.Rejected {
        if (first instanceof net.sf.jsqlparser.statement.select.ParenthesedFromItem p) {
            repairJoins(p.getFromItem(), p.getJoins());
        }
        if (joins == null) {
            return;
        }
        for (net.sf.jsqlparser.statement.select.Join join : joins) {
            if (join.getRightItem() instanceof net.sf.jsqlparser.statement.select.ParenthesedFromItem p) {
                repairJoins(p.getFromItem(), p.getJoins());
            }
            if (join.getOnExpressions() != null && !join.getOnExpressions().isEmpty()) {
                List<Expression> fixed = new ArrayList<>();
                for (Expression e : join.getOnExpressions()) {
                    fixed.add(repair(e));
                }
                join.setOnExpressions(fixed);
            }
        }
    }

    /** The expression with every swallowing IN repaired (the same object when none was found). */
    static Expression repair(Expression e) throws Planner.Rejected {
        if (e == null) {
            return null;
        }
        List<Object> sequence = new ArrayList<>();
        boolean[] changed = {false};
        flatten(e, sequence, changed);
        return changed[0] ? rebuild(sequence) : e;
    }

    private static void flatten(Expression e, List<Object> out, boolean[] changed) throws Planner.Rejected {
        if (e instanceof AndExpression and) {
            flatten(and.getLeftExpression(), out, changed);
            out.add("AND");
            flatten(and.getRightExpression(), out, changed);
        } else if (e instanceof net.sf.jsqlparser.expression.operators.conditional.OrExpression or) {
            flatten(or.getLeftExpression(), out, changed);
            out.add("OR");
            flatten(or.getRightExpression(), out, changed);
        } else if (e instanceof InExpression in
                && (in.getRightExpression() instanceof AndExpression
                        || in.getRightExpression()
                                instanceof net.sf.jsqlparser.expression.operators.conditional.OrExpression)) {
            changed[0] = true;
            List<Object> inner = new ArrayList<>();
            flatten(in.getRightExpression(), inner, changed);
            Object first = inner.get(0);
            if (!(first instanceof ExpressionList<?>)
                    && !(first instanceof net.sf.jsqlparser.statement.select.ParenthesedSelect)) {
                throw new Planner.Rejected(
                        "Strata cannot parse this IN condition reliably (" + e + "), so it cannot route it safely."
                                + " Put the IN in parentheses." + Planner.HINT_HOWTO,
                        SqlStates.CANNOT_PARSE);
            }
            InExpression fixed = new InExpression(in.getLeftExpression(), (Expression) first);
            fixed.setNot(in.isNot());
            fixed.setGlobal(in.isGlobal());
            out.add(fixed);
            out.addAll(inner.subList(1, inner.size()));
        } else if (e instanceof net.sf.jsqlparser.expression.NotExpression not) {
            List<Object> inner = new ArrayList<>();
            flatten(not.getExpression(), inner, changed);
            if (inner.size() == 1) {
                not.setExpression((Expression) inner.get(0));
                out.add(not);
            } else {
                out.add(new net.sf.jsqlparser.expression.NotExpression((Expression) inner.get(0)));
                out.addAll(inner.subList(1, inner.size()));
            }
        } else if (e instanceof net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<?> list
                && list.size() == 1) {
            @SuppressWarnings("unchecked")
            List<Expression> typed = (List<Expression>) list;
            typed.set(0, repair(typed.get(0)));
            out.add(e);
        } else if (e instanceof net.sf.jsqlparser.expression.Parenthesis par) {
            par.setExpression(repair(par.getExpression()));
            out.add(e);
        } else {
            out.add(e);
        }
    }

    private static Expression rebuild(List<Object> sequence) {
        Expression or = null;
        Expression and = null;
        for (int i = 0; i < sequence.size(); i++) {
            Object item = sequence.get(i);
            if ("OR".equals(item)) {
                or = or == null ? and : new net.sf.jsqlparser.expression.operators.conditional.OrExpression(or, and);
                and = null;
            } else if (!"AND".equals(item)) {
                Expression atom = (Expression) item;
                and = and == null ? atom : new AndExpression(and, atom);
            }
        }
        return or == null ? and : new net.sf.jsqlparser.expression.operators.conditional.OrExpression(or, and);
    }
}
