package io.strata.router.internal;

import io.strata.router.TableRule;
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

    /** A USING (col) join condition. */
    static final class UsingMarker extends Column {
        UsingMarker(String column) {
            super(column);
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
                // USING (key): every occurrence whose key column has that name is linked.
                String col = normalizeIdentifier(u.getColumnName());
                int first = -1;
                for (int i = 0; i < n; i++) {
                    if (occurrences.get(i).rule().keyColumn().equals(col)) {
                        if (first < 0) {
                            first = i;
                        } else {
                            union(parent, first, i);
                        }
                    }
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

    /** A key value expression: a parameter, or a numeric or string literal (possibly cast). */
    static KeySource keySource(Expression e) {
        e = stripCast(e);
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
}
