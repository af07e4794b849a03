package io.strata.router.internal.plan;

import io.strata.router.TableRule;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.AnyComparisonExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Recursive planning, as Citus does it: when a SELECT cannot be pushed down because an
 * <i>uncorrelated</i> subquery or a CTE reads sharded tables in a way that does not combine
 * ({@link CombineRule}), that subquery runs first as a statement of its own (routed and merged
 * like any other), and its result goes into the outer statement as bind parameters: a scalar as
 * {@code (SELECT CAST(? AS type))}, an IN list as {@code (SELECT unnest(CAST(? AS type[])))}, a CTE
 * as {@code SELECT * FROM unnest(CAST(? AS t1[]), ...) AS u(c1, ...)}. Every operator is still
 * evaluated by PostgreSQL; values travel as text in parameters, never concatenated into SQL.
 *
 * <p>A subquery is taken only when no qualified column in it names a table outside it. An
 * unqualified name may still be an outer reference; the subquery run on its own then fails to
 * resolve it (PostgreSQL resolves a name in the innermost query that has it, so a name the
 * subquery resolves alone is resolved the same way inside the statement), and the statement is
 * refused.
 */
public final class RecursivePlanning {

    /** What an intermediate result becomes in the outer statement. */
    public enum Kind {
        /** A scalar subquery: one value (no row: NULL; several rows: error 21000). */
        SCALAR,
        /** The right side of IN: a list of values. */
        ARRAY,
        /** A CTE: rows of named columns. */
        TABLE
    }

    /**
     * One subquery run first: its numbered SQL, what it becomes, and (for a CTE) its column names.
     * The outer template holds {@code SELECT <marker>} where its result goes.
     */
    public record Step(String marker, String numberedSql, Kind kind, List<String> columns) {}

    /** The statement with markers ({@code template}, numbered placeholders) and the steps that fill them. */
    public record Recursive(String template, int parameterCount, List<Step> steps) {}

    private RecursivePlanning() {}

    /**
     * Rewrites a SELECT whose pushdown was refused, or returns null when nothing can be taken out.
     * The caller plans {@link #validationText} to check that the rest can be pushed down.
     */
    static Recursive rewrite(String numbered, Planner planner, RoutingRules rules, int parameterCount)
            throws Planner.Rejected {
        Statement parsed;
        try {
            parsed = planner.parse(numbered);
        } catch (JSQLParserException e) {
            return null;
        }
        if (!(parsed instanceof PlainSelect ps)) {
            return null;
        }
        for (String t : new TablesNamesFinder<Void>().getTables((Statement) ps)) {
            String n = Planner.normalize(t);
            TableRule r = n == null ? null : rules.rule(n);
            if (r != null && r.kind() != TableRule.Kind.SHARDED && r.kind() != TableRule.Kind.BROADCAST) {
                return null; // only hash-sharded and broadcast tables are planned in steps
            }
        }
        KeyConditions.repairInLists(ps);
        List<Step> steps = new ArrayList<>();
        Set<String> cteNames = new LinkedHashSet<>();
        if (ps.getWithItemsList() != null) {
            for (WithItem<?> w : ps.getWithItemsList()) {
                String name = KeyConditions.normalizeIdentifier(w.getAlias().getName());
                Select body = w.getSelect().getSelect();
                if (!w.isRecursive() && readsSharded(body, rules) && !readsAny(body, cteNames)) {
                    String marker = "__strata_s" + steps.size() + "_";
                    List<String> columns = null;
                    if (w.getWithItemList() != null && !w.getWithItemList().isEmpty()) {
                        columns = new ArrayList<>();
                        for (Object c : w.getWithItemList()) {
                            columns.add(c.toString());
                        }
                    }
                    steps.add(new Step(marker, body.toString(), Kind.TABLE, columns));
                    w.getSelect().setSelect(markerSelect(marker, planner));
                }
                cteNames.add(name);
            }
        }
        // Expression subqueries, outermost first; a taken subquery is replaced, so its own nested
        // subqueries are planned when it is.
        while (true) {
            Candidate c = find(ps, rules, cteNames);
            if (c == null) {
                break;
            }
            String marker = "__strata_s" + steps.size() + "_";
            steps.add(new Step(marker, c.select.getSelect().toString(), c.kind, null));
            c.select.setSelect(markerSelect(marker, planner));
        }
        if (steps.isEmpty()) {
            return null;
        }
        return new Recursive(ps.toString(), parameterCount, steps);
    }

    /** The template with each marker filled with a parameter of type text, to plan what remains. */
    static String validationText(Recursive r) {
        String text = r.template();
        int next = r.parameterCount();
        for (Step s : r.steps()) {
            String fill;
            switch (s.kind()) {
                case SCALAR -> fill = "SELECT CAST(?" + (++next) + " AS text)";
                case ARRAY -> fill = "SELECT unnest(CAST(?" + (++next) + " AS text[]))";
                default -> fill = "SELECT * FROM unnest(CAST(?" + (++next) + " AS text[])) AS __strata_u";
            }
            text = text.replace("SELECT " + s.marker(), fill);
        }
        return text;
    }

    private static PlainSelect markerSelect(String marker, Planner planner) throws Planner.Rejected {
        try {
            return (PlainSelect) planner.parse("SELECT " + marker);
        } catch (JSQLParserException e) {
            throw new Planner.Rejected("Strata: cannot build the recursive plan: " + e.getMessage());
        }
    }

    private static boolean readsSharded(Object statementOrItem, RoutingRules rules) {
        Set<String> tables = statementOrItem instanceof Statement st
                ? new CombineRule.Reads().getTables(st)
                : CombineRule.Reads.tablesIn((FromItem) statementOrItem);
        for (String t : tables) {
            String n = Planner.normalize(t);
            TableRule r = n == null ? null : rules.rule(n);
            if (r != null && r.kind() != TableRule.Kind.BROADCAST && r.kind() != TableRule.Kind.SINGLE) {
                return true;
            }
        }
        return false;
    }

    /** True when a statement names one of {@code names} as a table (a CTE of the enclosing statement). */
    private static boolean readsAny(Statement s, Set<String> names) {
        if (names.isEmpty()) {
            return false;
        }
        Set<String> seen = new LinkedHashSet<>();
        new TablesNamesFinder<Void>() {
            @Override
            public <S> Void visit(Table table, S context) {
                seen.add(KeyConditions.normalizeIdentifier(table.getName()));
                return super.visit(table, context);
            }
        }.getTables(s);
        // TablesNamesFinder leaves out names of CTEs it sees defined, but not those of enclosing ones.
        for (String n : names) {
            if (seen.contains(n)) {
                return true;
            }
        }
        return false;
    }

    private record Candidate(ParenthesedSelect select, Kind kind) {}

    /** The first uncorrelated expression subquery over sharded tables, in {@code ps} or below. */
    private static Candidate find(PlainSelect ps, RoutingRules rules, Set<String> cteNames) {
        List<Expression> expressions = new ArrayList<>();
        expressions.add(ps.getWhere());
        expressions.add(ps.getHaving());
        for (SelectItem<?> item : ps.getSelectItems()) {
            expressions.add(item.getExpression());
        }
        if (ps.getOrderByElements() != null) {
            for (OrderByElement o : ps.getOrderByElements()) {
                expressions.add(o.getExpression());
            }
        }
        List<FromItem> from = new ArrayList<>();
        from.add(ps.getFromItem());
        if (ps.getJoins() != null) {
            for (Join j : ps.getJoins()) {
                from.add(j.getRightItem());
                if (j.getOnExpressions() != null) {
                    expressions.addAll(j.getOnExpressions());
                }
            }
        }
        List<ParenthesedSelect> scalars = new ArrayList<>();
        List<ParenthesedSelect> lists = new ArrayList<>();
        List<ParenthesedSelect> others = new ArrayList<>();
        for (Expression e : expressions) {
            if (e != null) {
                e.accept(
                        new WholeExpressionVisitor<Void>() {
                            @Override
                            public <S> Void visit(ParenthesedSelect select, S context) {
                                scalars.add(select);
                                return null;
                            }

                            @Override
                            public <S> Void visit(Select select, S context) {
                                if (select instanceof ParenthesedSelect p) {
                                    scalars.add(p);
                                }
                                return null;
                            }

                            @Override
                            public <S> Void visit(InExpression in, S context) {
                                in.getLeftExpression().accept(this, context);
                                if (in.getRightExpression() instanceof ParenthesedSelect p) {
                                    lists.add(p);
                                } else {
                                    in.getRightExpression().accept(this, context);
                                }
                                return null;
                            }

                            @Override
                            public <S> Void visit(ExistsExpression exists, S context) {
                                if (exists.getRightExpression() instanceof ParenthesedSelect p) {
                                    others.add(p);
                                }
                                return null;
                            }

                            @Override
                            public <S> Void visit(AnyComparisonExpression any, S context) {
                                if (any.getSelect() instanceof ParenthesedSelect p) {
                                    others.add(p);
                                }
                                return null;
                            }
                        },
                        null);
            }
        }
        for (ParenthesedSelect p : scalars) {
            if (p.getSelect() instanceof PlainSelect body
                    && body.getSelectItems().size() == 1
                    && !(body.getSelectItems().get(0).getExpression() instanceof AllColumns)
                    && takeable(p, body, rules, cteNames)) {
                return new Candidate(p, Kind.SCALAR);
            }
        }
        for (ParenthesedSelect p : lists) {
            if (p.getSelect() instanceof PlainSelect body
                    && body.getSelectItems().size() == 1
                    && !(body.getSelectItems().get(0).getExpression() instanceof AllColumns)
                    && takeable(p, body, rules, cteNames)) {
                return new Candidate(p, Kind.ARRAY);
            }
        }
        // Deeper: subqueries not taken, and derived tables.
        List<PlainSelect> deeper = new ArrayList<>();
        for (List<ParenthesedSelect> l : List.of(scalars, lists, others)) {
            for (ParenthesedSelect p : l) {
                if (p.getSelect() instanceof PlainSelect body) {
                    deeper.add(body);
                }
            }
        }
        for (FromItem f : from) {
            if (f instanceof ParenthesedSelect p && p.getSelect() instanceof PlainSelect body) {
                deeper.add(body);
            }
        }
        for (PlainSelect body : deeper) {
            Candidate c = find(body, rules, cteNames);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    /** Reads sharded tables, no CTE of the statement, and no qualified column naming a table outside. */
    private static boolean takeable(ParenthesedSelect p, PlainSelect body, RoutingRules rules, Set<String> cteNames) {
        if (!readsSharded(body, rules) || readsAny(body, cteNames)) {
            return false;
        }
        Set<String> inside = new LinkedHashSet<>();
        List<String> qualifiers = new ArrayList<>();
        new TablesNamesFinder<Void>() {
            @Override
            public <S> Void visit(Table table, S context) {
                inside.add(KeyConditions.normalizeIdentifier(table.getName()));
                if (table.getAlias() != null) {
                    inside.add(
                            KeyConditions.normalizeIdentifier(table.getAlias().getName()));
                }
                return super.visit(table, context);
            }

            @Override
            public <S> Void visit(ParenthesedSelect select, S context) {
                if (select.getAlias() != null) {
                    inside.add(
                            KeyConditions.normalizeIdentifier(select.getAlias().getName()));
                }
                return super.visit(select, context);
            }

            @Override
            public <S> Void visit(Column column, S context) {
                if (column.getTable() != null && column.getTable().getName() != null) {
                    qualifiers.add(
                            KeyConditions.normalizeIdentifier(column.getTable().getName()));
                }
                return null;
            }

            @Override
            public <S> Void visit(AllTableColumns columns, S context) {
                qualifiers.add(
                        KeyConditions.normalizeIdentifier(columns.getTable().getName()));
                return null;
            }
        }.getTables((Statement) body);
        return inside.containsAll(qualifiers);
    }
}
